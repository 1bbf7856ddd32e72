"""The complaint desk (posko pengaduan): complaints from the public, routed and resolved."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household, Region, Unit
from programs.models import Program

from . import service_level


class Category(models.Model):
    """Kept as data so the office can add its own: left out, wrongly listed, wrong data..."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    triage_days = models.PositiveSmallIntegerField(
        _("triage within (working days)"),
        default=service_level.TRIAGE_DAYS,
        help_text=_("From the day it comes in until it is given to someone."),
    )
    target_days = models.PositiveSmallIntegerField(
        _("follow-up within (working days)"),
        default=service_level.FOLLOW_UP_DAYS,
        help_text=_("From the day it is given to a staff member, a village or an agency."),
    )
    becomes_proposal = models.BooleanField(
        _("a justified one becomes a proposal"),
        default=False,
        help_text=_("A family left out, or a new family: the desk proposes it for its village."),
    )
    concerns_allocation = models.BooleanField(
        _("staff allocating aid read it"),
        default=False,
        help_text=_(
            "Wrongly listed, wrong data, duplicate aid: staff moving the family see that it is "
            "open and read it, without who complained."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")

    def __str__(self) -> str:
        return self.name


class ComplaintQuerySet(models.QuerySet):
    def handled_by(self, user) -> ComplaintQuerySet:
        """Those `user` handles, seeing who complained and what they attached: every complaint
        at the desk (and for administrators); those forwarded to their unit for an operator."""
        if user.handles_complaints:
            return self
        if user.proposes:
            return self.filter(forwarded_to=user.unit_id)
        return self.none()

    def for_user(self, user) -> ComplaintQuerySet:
        """Those `user` may read: the ones they handle; and for Dinsos staff allocating aid,
        read only and without the complainant's identity, those about a family in a category
        that concerns its allocation (wrongly listed, wrong data...), and those proposed."""
        about_allocation = Q(category__concerns_allocation=True, household__isnull=False) | Q(
            proposal_row__isnull=False
        )
        if user.sees_all_proposals and not user.handles_complaints:
            return self.filter(about_allocation)
        if user.watches_kecamatan:  # as staff read them, of its villages only
            return self.filter(about_allocation, desa__parent__unit__id=user.unit_id)
        return self.handled_by(user)


# A complaint was logged (`complaint`, by `user`): apps above the desk listen (distribution
# links a complaint naming a tranche to the family's payment of it).
complaint_logged = Signal()


class Complaint(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("complaint")
        SUGGESTION = "suggestion", _("suggestion")
        INFORMATION = "information", _("request for information")

    class Channel(models.TextChoices):
        WALK_IN = "walk_in", _("walk-in")
        PHONE = "phone", _("phone")
        WHATSAPP = "whatsapp", _("WhatsApp")
        LETTER = "letter", _("letter")
        LAPOR = "lapor", _("LAPOR! portal")
        VILLAGE = "village", _("village office")

    class Status(models.TextChoices):
        NEW = "new", _("new")
        HANDLING = "handling", _("being handled")
        WAITING = "waiting", _("waiting for the complainant")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")

    ticket = models.CharField(_("ticket"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.COMPLAINT)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    category = models.ForeignKey(Category, models.PROTECT, verbose_name=_("category"))
    complainant_name = models.CharField(_("complainant"), max_length=150)
    complainant_contact = models.CharField(_("contact"), max_length=100, blank=True)
    # As the complainant gave it, checked with a warning: they may not know it exactly.
    complainant_nik = models.CharField(_("complainant's NIK"), max_length=30, blank=True)
    household = models.ForeignKey(
        Household, models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    desa = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+")
    program = models.ForeignKey(Program, models.PROTECT, null=True, blank=True, related_name="+")
    # The payment the complaint is about ("Juli 2026"), as the complainant names it.
    tranche = models.CharField(
        _("tranche"),
        max_length=60,
        blank=True,
        help_text=_('The month or phase not received, e.g. "Juli 2026".'),
    )
    story = models.TextField(_("story"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    forwarded_to = models.ForeignKey(
        Unit, models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    public_reply = models.TextField(_("public reply"), blank=True)
    resolution = models.TextField(_("resolution and what changed"), blank=True)
    proposal_row = models.ForeignKey(
        "programs.ProposalRow",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("proposed as"),
    )
    received_at = models.DateTimeField(_("received"))
    # When it was last given to someone (triaged, forwarded, reopened): its follow-up counts
    # from there.
    handled_since = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True, editable=False, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()
    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return self.ticket

    def save(self, *args, **kwargs) -> None:
        # Kept with the complaint: the list sorts and pages by it in the database.
        self.due_on = self.due()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "due_on"}
        super().save(*args, **kwargs)

    def due(self) -> datetime.date:
        """Its deadline in working days, in LAPOR!'s rhythm: triaged within its category's
        triage days (3) of coming in, then followed up within its target (5) from the day it
        was last given to someone (another staff member or unit, or reopened: the count
        restarts)."""
        if self.status == self.Status.NEW or self.handled_since is None:
            start, days = self.received_at, self.category.triage_days
        else:
            start, days = self.handled_since, self.category.target_days
        return service_level.due(timezone.localdate(start), days)


class Step(models.Model):
    """One step of a complaint's handling: who moved it from which status to which, when, and
    why; to whom it was assigned or forwarded."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=10, choices=Complaint.Status, blank=True)
    to_status = models.CharField(max_length=10, choices=Complaint.Status)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    forwarded_to = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+")
    # The complaint's deadline after this step: the monthly report reads a month's state back.
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("step of a complaint")
        verbose_name_plural = _("steps of a complaint")

    def __str__(self) -> str:
        return f"{self.complaint} {self.from_status or '-'} -> {self.to_status}"


class AttachmentQuerySet(models.QuerySet):
    def for_user(self, user) -> AttachmentQuerySet:
        """The desk's photos and letters may show who complained: they stay with the desk. The
        unit a complaint is forwarded to sees what it attached itself."""
        handled = self.filter(complaint__in=Complaint.objects.handled_by(user))
        if user.handles_complaints:
            return handled
        return handled.filter(uploaded_by__unit=user.unit_id)


class Attachment(models.Model):
    """A photo or a scanned letter kept with a complaint; its type is checked by its content."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="complaints/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


OPEN = (Complaint.Status.NEW, Complaint.Status.HANDLING, Complaint.Status.WAITING)
