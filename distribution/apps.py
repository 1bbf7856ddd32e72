from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = _("Distribution of aid")

    def ready(self) -> None:
        from complaints.models import complaint_logged

        from . import disputes

        complaint_logged.connect(disputes.on_complaint_logged, dispatch_uid="complaint_payment")
