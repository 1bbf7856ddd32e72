from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import IdReveal, Region, Unit, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "get_full_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    fieldsets = [*BaseUserAdmin.fieldsets, (None, {"fields": ["role", "unit"]})]
    add_fieldsets = [
        (None, {"fields": ["username", "role", "unit", "password1", "password2"]}),
    ]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["level"]
    search_fields = ["code", "name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    autocomplete_fields = ["region"]


@admin.register(IdReveal)
class IdRevealAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "household", "field"]
    list_select_related = ["user", "household"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _administrators_only(request) -> bool:
    # Households are deliberately not in the admin: their own pages mask NIK and No. KK and
    # record who showed them.
    user = request.user
    return user.is_active and user.is_staff and user.role == User.Role.ADMIN


admin.site.has_permission = _administrators_only
AdminSite.site_header = "Bansos"
