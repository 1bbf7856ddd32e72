from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from programs.models import Program, ProposalBatch, RosterVersion, Sector


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "funding", "benefit_per_month", "months"]


@admin.register(RosterVersion)
class RosterVersionAdmin(admin.ModelAdmin):
    list_display = ["program", "period", "status", "row_count", "created_at"]
    list_filter = ["program", "status"]


@admin.register(ProposalBatch)
class ProposalBatchAdmin(SimpleHistoryAdmin):
    list_display = ["title", "unit", "status", "created_at"]
    list_filter = ["status"]


admin.site.register(Sector)
