from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Keeping the data true")

    def ready(self) -> None:
        from programs.models import roster_activated

        from . import roster_changes

        roster_activated.connect(roster_changes.on_activated, dispatch_uid="compare_roster")
