"""From an approved list to aid in hand: the tranches of a list (months or phases, each with
its amount a family and its funding), one payment a family and tranche, the channel's result
files and their lines, every line kept whether it matched a family or not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from complaints.models import Complaint
from households.models import Household, Region
from programs.models import ListEntry, RecipientList


class Funding(models.TextChoices):
    APBN = "apbn", _("APBN (central budget)")
    APBD_PROVINCE = "apbd_prov", _("APBD of the province")
    APBD_DISTRICT = "apbd_kab", _("APBD of the district")
    DANA_DESA = "dana_desa", _("village funds (Dana Desa)")


class Tranche(models.Model):
    """One payment round of an approved list: a month or a phase, an amount a family in
    whole Rupiah, the funding of its families (unless a desa is given another), the channel."""

    class Channel(models.TextChoices):
        BANK = "bank", _("bank collective account")
        POS = "pos", _("post office")
        CASH = "cash", _("cash through the village")

    recipients = models.ForeignKey(
        RecipientList, models.PROTECT, related_name="tranches", verbose_name=_("list")
    )
    number = models.PositiveSmallIntegerField(_("tranche"))
    label = models.CharField(_("name"), max_length=60, help_text=_('e.g. "Juli 2026"'))
    amount = models.PositiveBigIntegerField(_("Rp per family"))
    funding = models.CharField(_("funding"), max_length=10, choices=Funding)
    # Desa whose families another source pays ({desa id: funding}): Kupang's BPNT, 12,240
    # families from APBN and 3,000 from the city's APBD.
    funding_by_desa = models.JSONField(_("funding by desa"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=5, choices=Channel)
    # When its payment file or a receipt list was first made: the payees it carried are out,
    # so a payee accepted later waits for the next tranche.
    file_made_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recipients", "number"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.UniqueConstraint(fields=["recipients", "number"], name="tranche_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recipients.target.code} · {self.label}"


class Payment(models.Model):
    """What one family is paid in a tranche, to whom and how it ended. A payment that failed
    and was corrected by its village is paid again in a later tranche, as arrears."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("to pay")
        PAID = "paid", _("paid")
        FAILED = "failed", _("failed")
        RETURNED = "returned", _("returned")
        UNCLAIMED = "unclaimed", _("unclaimed")
        CORRECTED = "corrected", _("corrected, paid in a later tranche")
        STOPPED = "stopped", _("stopped")

    tranche = models.ForeignKey(Tranche, models.CASCADE, related_name="payments")
    household = models.ForeignKey(Household, models.PROTECT, related_name="payments")
    entry = models.ForeignKey(
        ListEntry, models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    desa = models.ForeignKey(Region, models.PROTECT, null=True, related_name="+")
    # The payee as the channel gets them; a failed payment's village corrects them.
    name = models.CharField(_("name"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16)
    no_kk = models.CharField(_("No. KK"), max_length=16, blank=True)
    account = models.CharField(_("account number"), max_length=30, blank=True)
    amount = models.PositiveBigIntegerField(_("Rp"))
    arrears = models.PositiveBigIntegerField(_("of which arrears (Rp)"), default=0)
    funding = models.CharField(_("funding"), max_length=10, choices=Funding)
    status = models.CharField(
        _("status"), max_length=9, choices=Status, default=Status.PLANNED, db_index=True
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    # A failed payment, corrected: the later payment that carries its amount as arrears.
    paid_with = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="arrears_of"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["desa__parent__name", "desa__name", "name", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["tranche", "household"], name="paid_once_a_tranche"),
            models.CheckConstraint(
                condition=Q(arrears__lte=models.F("amount")), name="arrears_in_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tranche_id} · {self.name}"


class Correction(models.Model):
    """A village's correction of a failed payment's payee (name, account), checked by the
    district before any file pays the new payee: a changed payee is where aid goes astray."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("waiting for the district's check")
        ACCEPTED = "accepted", _("accepted")
        REFUSED = "refused", _("refused")
        REPLACED = "replaced", _("replaced by the village's newer one")

    payment = models.ForeignKey(Payment, models.CASCADE, related_name="corrections")
    name = models.CharField(_("name"), max_length=150)
    account = models.CharField(_("account number"), max_length=30, blank=True)
    was_name = models.CharField(_("name before"), max_length=150)
    was_account = models.CharField(_("account before"), max_length=30, blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    made_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(
        _("decision"), max_length=8, choices=Decision, default=Decision.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)  # why it was refused
    history = HistoricalRecords()

    class Meta:
        ordering = ["made_at", "pk"]
        verbose_name = _("payee correction")
        verbose_name_plural = _("payee corrections")
        constraints = [
            models.UniqueConstraint(
                fields=["payment"], condition=Q(decision="pending"), name="one_pending_correction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.was_name} -> {self.name}"


class PaymentComplaint(models.Model):
    """A complaint about a payment ("the July aid never came"): linked by the desk on the
    complaint's page, or by the tranche the complaint named, with who and when (and history,
    an unlink included)."""

    payment = models.ForeignKey(Payment, models.CASCADE, related_name="complaint_links")
    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="payment_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "complaint"], name="complaint_linked_once")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} -> {self.payment_id}"


class ResultImport(models.Model):
    """A result file the channel sent back for a tranche, and what became of its lines."""

    tranche = models.ForeignKey(Tranche, models.PROTECT, related_name="imports")
    file = models.FileField(upload_to="payment-results/%Y/%m/")
    filename = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    sha256 = models.CharField(max_length=64, blank=True)  # the same file twice is refused
    error = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)  # outcome -> lines

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("payment result file")
        verbose_name_plural = _("payment result files")

    def __str__(self) -> str:
        return self.filename


class ResultLine(models.Model):
    """One data line of a result file, in its place, with the family it was matched to or why
    none: a line is never dropped."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("matched to a family")
        UNMATCHED = "unmatched", _("no family of the tranche")
        TWICE = "twice", _("the family's second line in the file")
        UNREADABLE = "unreadable", _("status not understood")
        CHECK = "check", _("to check: not what was paid or recorded")

    upload = models.ForeignKey(ResultImport, models.CASCADE, related_name="lines")
    number = models.PositiveIntegerField(_("line"))
    nik = models.CharField(_("NIK"), max_length=40, blank=True)
    no_kk = models.CharField(_("No. KK"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    amount = models.CharField(_("amount"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=9, blank=True)  # Payment.Status or ""
    reason = models.CharField(_("bank's reason"), max_length=255, blank=True)
    account = models.CharField(_("account number"), max_length=30, blank=True)
    payment = models.ForeignKey(
        Payment, models.SET_NULL, null=True, blank=True, related_name="result_lines"
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome)
    match = models.CharField(_("matched by"), max_length=255, blank=True)
    # A line staff matched or settled by hand (unmatched, to check, status not understood).
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    # What the person settled, beside what the file said (status, match, kept as read).
    settled_status = models.CharField(
        _("status set by hand"), max_length=9, choices=Payment.Status, blank=True
    )
    settled_note = models.CharField(_("why this family"), max_length=200, blank=True)

    class Meta:
        ordering = ["upload", "number"]
        constraints = [models.UniqueConstraint(fields=["upload", "number"], name="line_once")]

    def __str__(self) -> str:
        return f"{self.upload_id}:{self.number}"

    @property
    def status_label(self) -> str:
        """The status the line reports, in words; "" when it was not understood."""
        return Payment.Status(self.status).label if self.status else ""
