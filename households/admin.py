from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Household, IdReveal, Member, Region, Unit, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [*BaseUserAdmin.fieldsets, (None, {"fields": ["role", "unit"]})]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    autocomplete_fields = ["region"]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["head_name", "desa"]
    search_fields = ["head_name_folded", "=head_nik", "=no_kk"]
    autocomplete_fields = ["desa"]
    inlines = [MemberInline]


@admin.register(IdReveal)
class IdRevealAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "household", "field"]
    list_select_related = ["user", "household"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
