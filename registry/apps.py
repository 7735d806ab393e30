from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registry"
    verbose_name = _("登记底册（六大基础库）")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from config.db import register_lookups
        from registry.services.tokens import token_revoke_on_logout

        register_lookups()
        # A signal rather than a view: every browser sign-out (the owner pages, the admin) goes through
        # django.contrib.auth.logout(), and each must retire the account's API token too.
        user_logged_out.connect(token_revoke_on_logout, dispatch_uid="registry.token_revoke_on_logout")
