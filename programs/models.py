"""Programmes, their rosters (kept per version), proposals (usulan) and allocation rounds."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from households.models import Household, Region, Unit, User


class FamilyRecord(models.Model):
    """One family as a list holds it: a roster's row, a proposal's row, an approved list's
    entry. The fields and their order are one definition, read by the cross-check and by the
    approval that copies a proposal's family onto the list; a model overrides a field only
    where it truly differs (a roster keeps checked 16-digit numbers)."""

    no_kk = models.CharField(_("No. KK"), max_length=40, blank=True)
    nik = models.CharField(_("NIK"), max_length=40, blank=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    sex = models.CharField(_("sex"), max_length=1, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    desa = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("desa or kelurahan"),
    )

    # The family, as an approved list copies it from a proposal.
    FAMILY_FIELDS = ("nik", "no_kk", "name", "sex", "birth_date", "address", "rt", "rw", "desa_id")

    class Meta:
        abstract = True


class SourceFamily(FamilyRecord):
    """A family as a file brought it (a roster, a proposal): with the mother's name, which the
    cross-check compares too."""

    mother_name = models.CharField(_("mother's name"), max_length=150, blank=True)

    # What the cross-check reads of each row, in this order (dedup.pipeline unpacks it so).
    MATCHED_FIELDS = (
        *FamilyRecord.FAMILY_FIELDS[:5],
        "mother_name",
        *FamilyRecord.FAMILY_FIELDS[5:],
    )

    class Meta:
        abstract = True


class ProgramQuerySet(models.QuerySet):
    def aid(self) -> ProgramQuerySet:
        """Programmes of aid: every one but the exclusion lists."""
        return self.filter(screens_out="")

    def exclusion_lists(self) -> ProgramQuerySet:
        return self.exclude(screens_out="")


class Program(models.Model):
    """A programme roster (DTSEN, BPNT, PKH...), an aid target the office allocates to, or an
    exclusion list (civil servants, deaths, moved out) imported and versioned like a roster."""

    class Exclusion(models.TextChoices):
        CIVIL_SERVANT = "asn", _("civil servants, soldiers and police (ASN/TNI/Polri)")
        DEATH = "death", _("deaths (civil registry)")
        MOVED = "moved", _("moved out of the district")
        OTHER = "other", _("another list the office names")

    class Level(models.TextChoices):
        CENTRAL = "pusat", _("central")
        PROVINCE = "provinsi", _("province")
        DISTRICT = "kabupaten", _("district")
        VILLAGE = "desa", _("village")

    class Funding(models.TextChoices):
        APBN = "apbn", _("APBN (central budget)")
        APBD = "apbd", _("APBD (regional budget)")
        DANA_DESA = "dana_desa", _("Dana Desa (village fund)")

    code = models.SlugField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_("Short upper-case code used in files and results, e.g. PKH."),
    )
    name = models.CharField(_("name"), max_length=150)
    level = models.CharField(_("level"), max_length=10, choices=Level)
    funding = models.CharField(_("funding"), max_length=10, choices=Funding)
    benefit_per_month = models.PositiveIntegerField(
        _("benefit per month (Rp)"),
        default=0,
        help_text=_("Rupiah per family per month; 0 for a base list such as DTSEN."),
    )
    months = models.PositiveSmallIntegerField(_("number of months"), default=0)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    carries_desil = models.BooleanField(
        _("carries welfare decile"),
        default=False,
        help_text=_("The roster ranks each family into desil 1-10 (DTSEN)."),
    )
    screens_out = models.CharField(
        _("exclusion list"),
        max_length=8,
        choices=Exclusion,
        blank=True,
        help_text=_(
            "Left empty for an aid programme. An exclusion list (civil servants, deaths, moved "
            "out) is not a roster of aid: its families are screened out of rounds, never "
            "cross-checked as receiving aid."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()
    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="program_period_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        self.code = self.code.upper()
        if self.active_from and self.active_until and self.active_until < self.active_from:
            raise ValidationError({"active_until": _("The end comes before the start.")})

    @property
    def benefit_total(self) -> int:
        """Rupiah one family receives over the programme's months."""
        return self.benefit_per_month * self.months

    @property
    def active_version(self) -> RosterVersion | None:
        return self.versions.filter(status=RosterVersion.Status.ACTIVE).first()


# A roster version became the programme's active one (inside the activating transaction):
# `version`, and `replaced`, the version active until then (None for the first). Apps above
# the intake listen (verification compares the two).
roster_activated = Signal()

# A recipient list is about to be approved (`recipients`, by `user`): a receiver raises
# ValidationError to hold it back (verification: screening hits still undecided).
list_approving = Signal()

# The round's page is drawn (`round`, for `user`): each receiver returns notices, dicts of
# "text", "url" and "level" ("warning" or "info"), shown at the top of the page.
round_notices = Signal()


class RosterVersion(models.Model):
    """One import of a programme's list for a period. Only a completed import becomes active;
    the versions before it stay readable."""

    class Status(models.TextChoices):
        IMPORTING = "importing", _("importing")
        ACTIVE = "active", _("active")
        SUPERSEDED = "superseded", _("superseded")
        FAILED = "failed", _("failed")

    program = models.ForeignKey(
        Program, models.PROTECT, related_name="versions", verbose_name=_("programme")
    )
    period = models.CharField(_("period"), max_length=60, help_text=_('e.g. "Januari 2026"'))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.IMPORTING)
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("rows stored"), default=0)
    problem_count = models.PositiveIntegerField(_("rows with damaged identifiers"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    headers = models.JSONField(
        _("columns"),
        default=list,
        blank=True,
        help_text=_("The file's header cells; each row keeps its cells in this order."),
    )

    class Meta:
        ordering = ["program", "-created_at"]
        verbose_name = _("roster version")
        verbose_name_plural = _("roster versions")
        constraints = [
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(status="active"),
                name="one_active_version_per_program",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.period}"

    def activate(self) -> None:
        """Make this completed import the programme's active list; the previous one stays."""
        if self.status != self.Status.IMPORTING:
            raise ValidationError(_("Only an import in progress can become active."))
        with transaction.atomic():
            # Two imports finishing at once take turns here instead of failing on the constraint.
            Program.objects.select_for_update().get(pk=self.program_id)
            active = RosterVersion.objects.filter(program=self.program, status=self.Status.ACTIVE)
            replaced = active.first()
            active.update(status=self.Status.SUPERSEDED)
            self.status = self.Status.ACTIVE
            self.activated_at = timezone.now()
            self.save(update_fields=["status", "activated_at"])
            roster_activated.send(RosterVersion, version=self, replaced=replaced)


class RosterRowQuerySet(models.QuerySet):
    def for_user(self, user) -> RosterRowQuerySet:
        if user.sees_district:
            return self
        if user.role == User.Role.VILLAGE and user.unit_id:
            return self.filter(desa__unit__id=user.unit_id)
        if user.watches_kecamatan:
            return self.filter(desa__parent__unit__id=user.unit_id)
        return self.none()

    def active(self) -> RosterRowQuerySet:
        return self.filter(version__status=RosterVersion.Status.ACTIVE)

    def of_household(self, household: Household, niks: list[str]) -> RosterRowQuerySet:
        """Rows listing the family by its No. KK or by the NIK of anyone in it."""
        return self.filter(Q(no_kk=household.no_kk) | Q(nik__in=niks))


class RosterRow(SourceFamily):
    """A family on a programme's list, as the source sent it. Damaged identifiers are kept with
    their problem marked: the roster is the ministry's data, matched as well as it can be.

    On PostgreSQL the table is partitioned by version: each import loads its own partition
    and attaches it when complete (see programs.intake.bulk), so `id` is unique by its sequence and
    the database key is (id, version)."""

    # No index of its own: the unique (version, row_number) serves lookups by version.
    version = models.ForeignKey(RosterVersion, models.CASCADE, related_name="rows", db_index=False)
    row_number = models.PositiveIntegerField(_("row"))
    source_id = models.CharField(_("id in source"), max_length=40, blank=True)
    # Checked numbers only: a damaged one stays in `raw`, with its problem marked.
    no_kk = models.CharField(_("No. KK"), max_length=16, blank=True)
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    desil = models.PositiveSmallIntegerField(_("desil"), null=True, blank=True)
    # Every cell of the row as written, in the order of the version's headers (cells past
    # the last header follow when any of them holds something).
    raw = models.JSONField(_("source row"), default=list)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    objects = RosterRowQuerySet.as_manager()

    class Meta:
        ordering = ["version", "row_number"]
        verbose_name = _("roster row")
        verbose_name_plural = _("roster rows")
        constraints = [
            models.UniqueConstraint(fields=["version", "row_number"], name="roster_row_once"),
            models.CheckConstraint(
                condition=Q(desil__isnull=True) | Q(desil__gte=1, desil__lte=10),
                name="roster_desil_1_to_10",
            ),
        ]
        indexes = [models.Index(fields=["nik"]), models.Index(fields=["no_kk"])]

    def __str__(self) -> str:
        return f"{self.version_id}:{self.row_number}"

    @property
    def source(self) -> dict[str, str]:
        """The row as the source wrote it, by header, blank cells left out; a cell under a blank
        header or past the last header is named by its column letter."""
        headers = self.version.headers
        return {
            (headers[i] if i < len(headers) and headers[i] else column_letter(i)): cell
            for i, cell in enumerate(self.raw)
            if cell
        }


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA": the column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Sector(models.Model):
    """A group hit by a crisis that an agency proposes: tukang becak, sopir angkot..."""

    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name


class BatchQuerySet(models.QuerySet):
    def for_user(self, user) -> BatchQuerySet:
        if user.sees_all_proposals:
            return self
        if user.watches_kecamatan:  # its villages' proposals, to read
            return self.filter(unit__region__parent__unit__id=user.unit_id)
        return self.filter(unit_id=user.unit_id) if user.proposes else self.none()


class ProposalBatch(models.Model):
    """A list of families (usulan) from one village or agency."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        CHECKED = "checked", _("cross-checked")
        CLOSED = "closed", _("closed")

    NEXT = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.DRAFT, Status.CHECKED},
        Status.CHECKED: {Status.SUBMITTED, Status.CLOSED},
    }

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="batches", verbose_name=_("unit"))
    sector = models.ForeignKey(
        Sector,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
        verbose_name=_("sector"),
    )
    title = models.CharField(_("title"), max_length=150)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    combined = models.BooleanField(
        _("from the district's combined list"),
        default=False,
        help_text=_("Collected by Dinsos for this village or agency from a combined upload."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()
    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("proposal batch")
        verbose_name_plural = _("proposal batches")

    def __str__(self) -> str:
        return self.title

    def move_to(self, new: str, *, by: User) -> None:
        if new not in self.NEXT.get(self.status, ()):
            raise ValidationError(
                _("A batch that is %(old)s cannot become %(new)s."),
                params={"old": self.get_status_display(), "new": self.Status(new).label},
            )
        self.status = new
        self._history_user = by
        self.save(update_fields=["status"])


class UploadQuerySet(models.QuerySet):
    def for_user(self, user) -> UploadQuerySet:
        if user.sees_all_proposals:
            return self
        if user.watches_kecamatan:
            return self.filter(batch__unit__region__parent__unit__id=user.unit_id)
        return self.filter(batch__unit_id=user.unit_id) if user.proposes else self.none()


class Upload(models.Model):
    """A spreadsheet received: read and checked in the background, previewed, then saved.
    It is also the audit record of a bulk import: who, when, which file, what came of it."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("proposals of one village or agency")
        COMBINED = "combined", _("combined proposals of many villages and agencies")
        ROSTER = "roster", _("programme roster")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked, waiting for confirmation")
        SAVING = "saving", _("saving")
        DONE = "done", _("done")
        REFUSED = "refused", _("refused")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    batch = models.ForeignKey(
        ProposalBatch,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="uploads",
        verbose_name=_("proposal batch"),
    )
    version = models.OneToOneField(
        RosterVersion,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="upload",
        verbose_name=_("roster version"),
    )
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_invalid = models.PositiveIntegerField(_("rows with problems"), default=0)
    rows_known = models.PositiveIntegerField(_("rows already in the batch"), default=0)
    rows_saved = models.PositiveIntegerField(_("rows saved"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    error = models.TextField(_("why the file was refused"), blank=True)
    # The file itself (full of NIKs) is deleted a while after its proposal or roster version
    # closes (programs.intake.retention); what was read from it stays.
    file_deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    # Workers that took up the upload's current step and were lost before finishing it (out
    # of memory, killed): the step is given up after a few, not taken up again for ever.
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    objects = UploadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return self.filename

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.CHECKING, self.Status.SAVING)


class ProposalRow(SourceFamily):
    """One proposed family, as typed by the operator, with what the checks found."""

    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        INVALID = "invalid", _("needs fixing")

    batch = models.ForeignKey(
        ProposalBatch, models.CASCADE, related_name="rows", verbose_name=_("batch")
    )
    row_number = models.PositiveIntegerField(_("row"))
    # As typed (up to 40 characters), so a wrong number is kept and shown for fixing.
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    remarks = models.CharField(_("remarks"), max_length=255, blank=True)
    raw = models.JSONField(_("row as uploaded"), default=dict)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    # What the intake read other than typed, said to the operator (a village's old spelling).
    notes = models.JSONField(_("notes"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.VALID)
    upload = models.ForeignKey(
        Upload,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rows",
        verbose_name=_("upload"),
    )
    # The cells as uploaded, hashed: the same rejected row uploaded again is not stored twice.
    fingerprint = models.CharField(max_length=40, blank=True, db_index=True)
    household = models.ForeignKey(
        Household,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal_rows",
        verbose_name=_("household"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["batch", "row_number"]
        verbose_name = _("proposed family")
        verbose_name_plural = _("proposed families")
        constraints = [
            models.UniqueConstraint(fields=["batch", "row_number"], name="proposal_row_once"),
        ]
        indexes = [models.Index(fields=["nik"]), models.Index(fields=["no_kk"])]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"


SAVE_STALLED = datetime.timedelta(minutes=10)  # a district's save takes about one


class AllocationRound(models.Model):
    """One round of deciding who receives which aid (e.g. "JPS Covid-19 Mei 2020"): the
    checked proposals it starts from (a cross-check run) and its rules
    (`programs.rounds.allocation`): the targets in the order they fill, the programmes a family
    may hold together, the order of eligible families and whether kecamatan share the places."""

    name = models.CharField(_("name"), max_length=150)
    run = models.ForeignKey(
        "dedup.Run",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("cross-check"),
    )
    allowed_pairs = models.JSONField(_("programmes a family may hold together"), default=list)
    order = models.JSONField(_("order of eligible families"), default=list)
    kecamatan_shares = models.BooleanField(_("share places by kecamatan"), default=False)
    desil_limit = models.PositiveSmallIntegerField(
        _("highest desil admitted"),
        null=True,
        blank=True,
        help_text=_("Families whose desil rises above it on a new roster are flagged."),
    )
    # Families staff place although a roster excludes them: {proposal row id: [code, reason]}.
    overrides = models.JSONField(_("overrides"), default=dict, blank=True)
    # Saving the allocation runs in the background: when it started, and why it failed.
    saving_since = models.DateTimeField(null=True, blank=True, editable=False)
    save_error = models.TextField(blank=True, editable=False)
    # Workers lost while saving it (out of memory, killed): given up after a few, with why.
    save_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # Counts every change of the rules: a save based on an older revision is refused and told
    # what changed (two staff editing one round).
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["saving_since", "save_error", "save_attempts"])

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("allocation round")
        verbose_name_plural = _("allocation rounds")

    def __str__(self) -> str:
        return self.name

    @property
    def saving(self) -> bool:
        """Its allocation is being saved in the background (it has no allocations yet). A save
        not done after SAVE_STALLED (its task lost with the broker) may be started again."""
        return (
            self.saving_since is not None
            and not self.save_error
            and timezone.now() - self.saving_since < SAVE_STALLED
        )


class RoundTarget(models.Model):
    """A target of a round (the provincial quota, JPS Kabupaten) with its places or budget;
    targets fill in `position` order."""

    round = models.ForeignKey(AllocationRound, models.CASCADE, related_name="targets")
    program = models.ForeignKey(Program, models.PROTECT, related_name="+")
    places = models.PositiveIntegerField(_("places"), null=True, blank=True)
    budget = models.PositiveBigIntegerField(_("budget (Rp)"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("target of a round")
        verbose_name_plural = _("targets of a round")
        constraints = [
            models.UniqueConstraint(fields=["round", "program"], name="round_target_once")
        ]

    def __str__(self) -> str:
        return f"{self.round} / {self.program.code}"


class Allocation(models.Model):
    """A family assigned to one target of a round: the provincial quota, or JPS phase 1/2."""

    class Phase(models.IntegerChoices):
        ONE = 1, _("phase 1")
        TWO = 2, _("phase 2")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        VALID = "valid", _("valid")
        RETURNED = "returned", _("returned for correction")
        CORRECTED = "corrected", _("corrected, to be checked again")
        APPROVED = "approved", _("approved")

    round = models.ForeignKey(AllocationRound, models.PROTECT, related_name="allocations")
    household = models.ForeignKey(Household, models.PROTECT, related_name="allocations")
    proposal_row = models.ForeignKey(
        ProposalRow, models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    target = models.ForeignKey(Program, models.PROTECT, related_name="allocations")
    phase = models.PositiveSmallIntegerField(_("phase"), choices=Phase, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PROPOSED)
    # The rosters that exclude the family from this target ("BLTDESA;PKH"): only with a reason.
    excluded_by = models.CharField(_("excluded by"), max_length=200, blank=True)
    override_reason = models.TextField(_("reason for overriding an excluding roster"), blank=True)
    return_reasons = models.JSONField(_("reasons returned"), default=list, blank=True)
    # The cross-check of the family's corrected row (a run of the corrected rows alone).
    recheck_run = models.ForeignKey(
        "dedup.Run", models.SET_NULL, null=True, blank=True, related_name="rechecked"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            # A family is in one target of a round only.
            models.UniqueConstraint(fields=["round", "household"], name="one_target_per_round"),
            # A family on an excluding roster only with a recorded override.
            models.CheckConstraint(
                condition=Q(excluded_by="") | ~Q(override_reason=""),
                name="excluded_only_with_override",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} -> {self.target_id}"


class RecipientList(models.Model):
    """A list prepared by staff (a phase of a target) and approved by the head, which freezes
    it as a numbered version; a change needs a new version with a reason."""

    round = models.ForeignKey(AllocationRound, models.PROTECT, related_name="lists")
    target = models.ForeignKey(Program, models.PROTECT, related_name="+")
    phase = models.PositiveSmallIntegerField(choices=Allocation.Phase, null=True, blank=True)
    version = models.PositiveSmallIntegerField(default=1)
    reason = models.TextField(_("reason for this version"), blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The decree (SK) the approved list is the annex of, as staff enter it once it is signed.
    decree_number = models.CharField(_("decree number"), max_length=100, blank=True)
    decree_date = models.DateField(_("decree date"), null=True, blank=True)
    allocations = models.ManyToManyField(Allocation, related_name="lists", blank=True)
    history = HistoricalRecords(m2m_fields=[allocations])

    class Meta:
        verbose_name = _("recipient list")
        verbose_name_plural = _("recipient lists")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "target", "phase", "version"], name="list_version_once"
            ),
            # A NULL phase (a list without phases) is distinct in the constraint above.
            models.UniqueConstraint(
                fields=["round", "target", "version"],
                condition=Q(phase__isnull=True),
                name="list_version_once_without_phase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} v{self.version}"


class ListEntry(FamilyRecord):
    """One family as the head approved it: the frozen copy of an approved version, readable
    and exportable as it was, whatever happens to the family's data or allocation later."""

    recipients = models.ForeignKey(RecipientList, models.CASCADE, related_name="entries")
    allocation = models.ForeignKey(
        Allocation, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(Household, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("family on an approved list")
        verbose_name_plural = _("families on an approved list")
        constraints = [
            models.UniqueConstraint(fields=["recipients", "household"], name="entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recipients} / {self.name}"


class ListExport(models.Model):
    """Who exported an approved list, when and for what purpose (asked at every export, and
    written into the file itself): personal data leaves the office only on record."""

    class Layout(models.TextChoices):
        KECAMATAN = "kecamatan", _("one sheet per kecamatan")
        DESA = "desa", _("one file per desa (.zip)")
        PROVINCE = "provinsi", _("the proposal file for the province")

    recipients = models.ForeignKey(RecipientList, models.PROTECT, related_name="exports")
    layout = models.CharField(_("layout"), max_length=10, choices=Layout)
    purpose = models.CharField(_("purpose"), max_length=300)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-exported_at"]
        verbose_name = _("export of a recipient list")
        verbose_name_plural = _("exports of recipient lists")

    def __str__(self) -> str:
        return f"{self.recipients} · {self.exported_by} · {self.exported_at:%d-%m-%Y %H:%M}"
