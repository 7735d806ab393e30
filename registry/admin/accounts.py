"""Platform accounts (superusers only: officials and firm accounts are created by their services)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from config.admin import CappedCountPaginator, LookupAllowListMixin
from registry.admin.base import ScopedMixin
from registry.models import User


@admin.register(User)
class UserAdmin(ScopedMixin, LookupAllowListMixin, DjangoUserAdmin):
    """Platform accounts (superusers only: officials and firm accounts are created by their services)."""

    paginator = CappedCountPaginator
    show_full_result_count = False

    list_display = ("username", "is_staff", "is_superuser", "is_active", "roles", "last_login")
    list_select_related = ("official", "firm_staff", "owner")

    @admin.display(description=_("身份"))
    def roles(self, obj: User) -> str:
        labels = []
        if getattr(obj, "official", None) is not None:
            labels.append(str(_("政府工作人员")))
        if getattr(obj, "firm_staff", None) is not None:
            labels.append(str(_("物业企业")))
        if getattr(obj, "owner", None) is not None:
            labels.append(str(_("业主")))
        return "、".join(labels) or "-"
