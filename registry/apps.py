from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registry"
    verbose_name = _("登记底册（六大基础库）")

    def ready(self) -> None:
        from config.db import register_lookups

        register_lookups()
