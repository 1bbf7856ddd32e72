from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Distribution of aid")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from complaints.models import Complaint

        from . import disputes

        post_save.connect(
            disputes.on_complaint_saved, sender=Complaint, dispatch_uid="complaint_payment"
        )
