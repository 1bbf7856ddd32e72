from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household, Region
from programs.models import Allocation, AllocationRound, RosterRow, RosterVersion


class RosterChange(models.Model):
    """A family that joined or left a roster, or whose desil, head or desa changed, between a
    version and the one it replaced (dedup/engine/changes.py)."""

    class Kind(models.TextChoices):
        JOINED = "joined", _("joined")
        LEFT = "left", _("left")
        DESIL = "desil", _("desil changed")
        HEAD = "head", _("head changed")
        MOVED = "moved", _("moved to another desa")
        DIED = "died", _("a member died")

    version = models.ForeignKey(
        RosterVersion, models.CASCADE, related_name="changes", verbose_name=_("version")
    )
    replaced = models.ForeignKey(
        RosterVersion, models.CASCADE, related_name="+", verbose_name=_("compared with")
    )
    kind = models.CharField(_("change"), max_length=8, choices=Kind)
    # Roster rows live in the version's partition (no foreign key constraint reaches them).
    old_row = models.ForeignKey(
        RosterRow, models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    new_row = models.ForeignKey(
        RosterRow, models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    # Where the family is now (where it was, for one that left): what the counts group by.
    desa = models.ForeignKey(Region, models.PROTECT, null=True, related_name="+")
    before = models.CharField(_("before"), max_length=40, blank=True)
    after = models.CharField(_("after"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        indexes = [models.Index(fields=["version", "kind", "desa"])]

    def __str__(self) -> str:
        return f"{self.version_id} {self.kind}"


# --- Screening before a decree ----------------------------------------------------------------


class Screening(models.Model):
    """The families of a round matched against the active exclusion lists (screening.py)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    round = models.ForeignKey(
        AllocationRound, models.CASCADE, related_name="screenings", verbose_name=_("round")
    )
    versions = models.ManyToManyField(RosterVersion, related_name="+", verbose_name=_("lists"))
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.RUNNING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    families = models.PositiveIntegerField(_("families screened"), default=0)
    # The households screened: a list approved later holds none outside them.
    screened = models.JSONField(default=list, editable=False)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self) -> str:
        return f"{self.round} · {self.started_at:%d-%m-%Y %H:%M}"


class ScreeningHit(models.Model):
    """A family of the round found on an exclusion list, with the evidence. Never removed
    silently: staff clear it, screen the family out, or send it for a field visit."""

    class Decision(models.TextChoices):
        UNDECIDED = "undecided", _("to decide")
        CLEARED = "cleared", _("not the same person")
        EXCLUDED = "excluded", _("screened out of the round")
        VISIT = "visit", _("sent for a field visit")

    screening = models.ForeignKey(Screening, models.CASCADE, related_name="hits")
    household = models.ForeignKey(Household, models.PROTECT, related_name="screening_hits")
    allocation = models.ForeignKey(
        Allocation, models.SET_NULL, null=True, blank=True, related_name="screening_hits"
    )
    version = models.ForeignKey(RosterVersion, models.CASCADE, related_name="+")
    row = models.ForeignKey(RosterRow, models.DO_NOTHING, db_constraint=False, related_name="+")
    person = models.CharField(_("who matched"), max_length=150)  # the head, or a member
    score = models.PositiveSmallIntegerField(_("score"))
    reason = models.CharField(_("reason"), max_length=255)
    decision = models.CharField(
        _("decision"), max_length=9, choices=Decision, default=Decision.UNDECIDED
    )
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["household__desa__parent__name", "household__desa__name", "pk"]
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")
        constraints = [
            models.UniqueConstraint(fields=["screening", "household", "row"], name="hit_once")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} ~ {self.version_id}:{self.row_id}"

    @property
    def open(self) -> bool:
        """Still holds a list's approval back: undecided, or its visit not approved yet."""
        return self.decision in (self.Decision.UNDECIDED, self.Decision.VISIT)


# --- Verification cycles and visits -----------------------------------------------------------


class Cycle(models.Model):
    """A verification round of visits ("Verifikasi Triwulan II 2026"), with its deadline."""

    name = models.CharField(_("name"), max_length=150)
    starts_on = models.DateField(_("starts"))
    due_on = models.DateField(_("visits due by"))
    closed = models.BooleanField(_("closed"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("verification cycle")
        verbose_name_plural = _("verification cycles")

    def __str__(self) -> str:
        return self.name


class TaskQuerySet(models.QuerySet):
    def for_user(self, user) -> TaskQuerySet:
        """The district sees every visit (not the complaint desk); a village its own; a
        kecamatan its villages'."""
        if user.sees_all_proposals:
            return self
        if user.role == user.Role.VILLAGE and user.unit_id:
            return self.filter(desa__unit__id=user.unit_id)
        if user.watches_kecamatan:
            return self.filter(desa__parent__unit__id=user.unit_id)
        return self.none()


class Task(models.Model):
    """A family to visit in a cycle: the village operator visits, the kecamatan checks, the
    district approves; approved, its outcome changes the data (visits.py)."""

    class Reason(models.TextChoices):
        ROSTER = "roster", _("joined or changed on a roster")
        SCREENING = "screening", _("found on an exclusion list")
        JPS = "jps", _("returned by JPS re-validation")
        COMPLAINT = "complaint", _("named in a complaint")
        MANUAL = "manual", _("added by staff")

    class Status(models.TextChoices):
        OPEN = "open", _("to visit")
        RETURNED = "returned", _("sent back to the village")
        SUBMITTED = "submitted", _("visited, waiting for the kecamatan")
        CHECKED = "checked", _("checked by the kecamatan, waiting for the district")
        APPROVED = "approved", _("approved by the district")

    class Outcome(models.TextChoices):
        ELIGIBLE = "eligible", _("still eligible")
        MOVED = "moved", _("moved")
        DIED = "died", _("died")
        NOT_FOUND = "not_found", _("not found")
        NOT_POOR = "not_poor", _("no longer poor")
        REFUSES = "refuses", _("refuses")

    cycle = models.ForeignKey(Cycle, models.CASCADE, related_name="tasks")
    household = models.ForeignKey(Household, models.PROTECT, related_name="visits")
    desa = models.ForeignKey(Region, models.PROTECT, related_name="+")  # whose operator visits
    reason = models.CharField(_("why"), max_length=10, choices=Reason)
    reason_note = models.CharField(_("details"), max_length=255, blank=True)
    hit = models.ForeignKey(
        ScreeningHit, models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome, blank=True)
    # The household as found at the door (filled from the household, corrected by the visit).
    head_name = models.CharField(_("name of head"), max_length=150, blank=True)
    address = models.CharField(_("address (street, dusun)"), max_length=255, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    # What the visit changes, against the household as it stood when the visit was sent:
    # {"rt": ["002", "004"]} and {"<member pk>": ["living", "died"]}. Applied on approval
    # where the household still says what the operator saw.
    corrections = models.JSONField(_("corrections"), default=dict, blank=True)
    members = models.JSONField(_("members' status"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    photo_house = models.FileField(upload_to="visits/%Y/%m/", blank=True)
    photo_head = models.FileField(upload_to="visits/%Y/%m/", blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    visited_at = models.DateTimeField(null=True, blank=True)
    sent_back_reason = models.TextField(_("why it was sent back"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["photo_house", "photo_head"])
    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["desa__parent__name", "desa__name", "pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "household"], name="visit_once_a_cycle")
        ]
        indexes = [models.Index(fields=["cycle", "desa", "status"])]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.household_id}"

    @property
    def visitable(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.RETURNED)


class Step(models.Model):
    """Who moved a visit on, when, and why (a visit sent back says why)."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("visited and sent")
        RETURNED = "returned", _("sent back")
        CHECKED = "checked", _("approved by the kecamatan")
        APPROVED = "approved", _("approved by the district")

    task = models.ForeignKey(Task, models.CASCADE, related_name="steps")
    action = models.CharField(max_length=10, choices=Action)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}"
