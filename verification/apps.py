from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Keeping the data true")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from households.models import Household
        from programs.models import list_approving, roster_activated, round_notices

        from . import flags, roster_changes, screening, visits

        roster_activated.connect(roster_changes.on_activated, dispatch_uid="compare_roster")
        list_approving.connect(screening.on_list_approving, dispatch_uid="screening_holds")
        round_notices.connect(screening.round_notices, dispatch_uid="screening_notices")
        round_notices.connect(flags.round_notices, dispatch_uid="roster_flags")
        post_save.connect(visits.on_household_saved, sender=Household, dispatch_uid="visit_desa")
