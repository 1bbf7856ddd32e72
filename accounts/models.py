from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountImport(models.Model):
    """An accounts spreadsheet: read and checked at upload, its ready rows created when staff
    confirm. It keeps every data row with its outcome (never a password), and is the record of
    who created which accounts, and when."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("checked, waiting for confirmation")
        DONE = "done", _("accounts created")
        REFUSED = "refused", _("refused")

    filename = models.CharField(_("file"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.CHECKED)
    headers = models.JSONField(default=list)
    rows = models.JSONField(default=list)  # AccountRow.as_json(), in file order
    refused = models.TextField(_("why the file was refused"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("accounts created")
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("accounts file")
        verbose_name_plural = _("accounts files")

    def __str__(self) -> str:
        return self.filename

    @property
    def ready(self) -> list[dict]:
        return [row for row in self.rows if row["account"]]

    @property
    def problem_rows(self) -> list[dict]:
        return [row for row in self.rows if not row["account"]]
