"""The session's authentication backend: Django's ModelBackend, loading the account's role records (official
with region, firm staff, owner) with the user in one query, so that every page's permission checks start
without a query per role."""

from typing import Any

from django.contrib.auth.backends import ModelBackend

from registry.models import User


class RoleLoadingBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("official__region", "firm_staff", "owner").get(
                pk=user_id
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
