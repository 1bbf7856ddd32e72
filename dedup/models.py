"""A cross-check run of proposals against roster versions, its results and the review queue."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from dedup.engine.families import Listing, repeats
from dedup.engine.match import DECIDED_SAME, Thresholds
from programs.models import ProposalBatch, ProposalRow, RosterRow, RosterVersion


class RunQuerySet(models.QuerySet):
    def for_user(self, user) -> "RunQuerySet":
        return self if user.sees_all_proposals else self.none()


class ReviewPairQuerySet(models.QuerySet):
    def for_user(self, user) -> "ReviewPairQuerySet":
        return self if user.sees_all_proposals else self.none()

    def open(self) -> "ReviewPairQuerySet":
        return self.filter(same_family__isnull=True)


class Run(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    batches = models.ManyToManyField(ProposalBatch, related_name="runs")
    # The exact roster versions used, so an old run stays readable after a roster update.
    roster_versions = models.ManyToManyField(RosterVersion, related_name="runs")
    thresholds = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    # A run of some rows only (corrected ones, checked again), not of whole proposals.
    recheck = models.BooleanField(default=False)
    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cross-check run")
        verbose_name_plural = _("cross-check runs")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def stalled(self) -> bool:
        """Running, yet no worker has started or finished one of its chunks for
        DEDUP_STALLED_AFTER: the worker holding its chunks was lost (killed, the machine
        restarted). Resuming queues the unfinished chunks again."""
        if self.status != self.Status.RUNNING:
            return False
        touched = self.chunks.aggregate(
            started=models.Max("started_at"), finished=models.Max("finished_at")
        )
        moments = (self.created_at, self.resumed_at, *touched.values())
        last = max(moment for moment in moments if moment)
        return timezone.now() - last >= settings.DEDUP_STALLED_AFTER

    def proposal_label(self, batch_id: int, row_number: int) -> str:
        """How results name a proposal row: USULAN:<row> (the contract's), with the batch
        first when the run checks several (USULAN:<batch>-<row>)."""
        if not hasattr(self, "_single_batch"):
            self._single_batch = self.batches.count() == 1
        return f"USULAN:{'' if self._single_batch else f'{batch_id}-'}{row_number}"

    def going_on_among(self, labels: Iterable[str]) -> set[str]:
        """Which of these matches (USULAN:<row>, USULAN:<batch>-<row>) name a proposal row whose
        family goes on to allocation in this run."""
        numbers = set()
        for label in labels:
            kind, _colon, ref = label.partition(":")
            if kind == "USULAN":
                numbers.add(int(ref.rpartition("-")[2]))
        rows = self.results.going_on().filter(proposal_row__row_number__in=numbers)
        found = rows.values_list("proposal_row__batch_id", "proposal_row__row_number")
        return {self.proposal_label(batch, number) for batch, number in found} & set(labels)

    def count_families(self) -> int:
        """Mark the results that repeat a family an earlier row already brings to allocation
        (`Result.repeat`, see dedup.engine.families) and return how many families go on.
        Called when the run finishes, and by `recount` when a decision makes a family eligible
        or a correction changes its numbers; writes only the rows whose mark changes. The
        caller holds the run's row lock (select_for_update) or is the run's last chunk."""
        rows = (
            self.results.filter(status__in=ELIGIBLE)
            .order_by("proposal_row__batch_id", "proposal_row__row_number")
            .values_list(
                "pk",
                "proposal_row__no_kk",
                "proposal_row__nik",
                "proposal_row__batch_id",
                "proposal_row__row_number",
                "matches",
            )
        )
        listings = [
            Listing(pk, no_kk, nik, self.proposal_label(batch, number), Result.split(matches))
            for pk, no_kk, nik, batch, number, matches in rows.iterator(chunk_size=10_000)
        ]
        marked = set(self.results.filter(repeat=True).values_list("pk", flat=True))
        found = repeats(listings)
        for value, pks in ((True, found - marked), (False, marked - found)):
            pks = sorted(pks)
            for start in range(0, len(pks), 5_000):  # SQLite takes 32,766 parameters
                Result.objects.filter(pk__in=pks[start : start + 5_000]).update(repeat=value)
        return len(listings) - len(found)


def recount(run_ids: Iterable[int]) -> None:
    """Count the families of these runs again once the change that calls for it is committed,
    in the worker (a district's run takes about half a second: not in the reviewer's click)."""
    from dedup import tasks

    wanted = sorted(set(run_ids))
    if wanted:
        transaction.on_commit(lambda: [tasks.count_families.delay(pk) for pk in wanted])


class MatchSettings(models.Model):
    """The office's thresholds for new runs (one row). Each run keeps its own copy."""

    same = models.PositiveSmallIntegerField(_("same family from score"), default=90)
    review = models.PositiveSmallIntegerField(_("a person decides from score"), default=70)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review__lte=models.F("same"), same__lte=100, review__gte=1),
                name="thresholds_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.same}/{self.review}"

    @classmethod
    def current(cls) -> "MatchSettings":
        found, _created = cls.objects.get_or_create(pk=1)
        return found

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(same=self.same, review=self.review)


def moves(run: "Run", thresholds: Thresholds) -> dict[tuple[str, str], int]:
    """How many of a run's results would change band under other thresholds: (from, to) ->
    count, bands being match (on a roster or proposed before), review and new. Decisions
    staff took stay as they are."""
    current = Thresholds(**run.thresholds) if run.thresholds else Thresholds()
    band_name = {"same": "match", "review": "review", "none": "new"}
    counted: dict[tuple[str, str], int] = {}
    scored = (
        run.results.exclude(status=Result.Status.INVALID)
        .exclude(score__isnull=True)
        .exclude(reason=DECIDED_SAME)
        .values("score")
        .annotate(n=models.Count("pk"))
        .order_by()
    )
    for row in scored:
        old = band_name[current.band(row["score"])]
        new = band_name[thresholds.band(row["score"])]
        if old != new:
            counted[(old, new)] = counted.get((old, new), 0) + row["n"]
    return counted


class Chunk(models.Model):
    """The proposals of one kecamatan in a run: the unit of work of one task. Chunks are
    independent, so more workers finish a run sooner; `done` makes a repeated task harmless."""

    run = models.ForeignKey(Run, models.CASCADE, related_name="chunks")
    kecamatan = models.ForeignKey(
        "households.Region", models.PROTECT, null=True, blank=True, related_name="+"
    )  # None: proposals whose desa is not known
    proposal_rows = models.JSONField(default=list)  # ProposalRow ids
    done = models.BooleanField(default=False)
    # When a worker last took it up and when its results were written: a run whose chunks
    # nobody has touched for long lost its worker (see Run.stalled).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # taken up, since queued

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.pk}"


class ResultQuerySet(models.QuerySet):
    """Pages count results by outcome: the contract's status, except that a family proposed
    twice is counted once, so "proposed twice" also holds the later listings of a family on a
    roster (`in_roster` before `duplicate_in_batch` in the contract)."""

    def going_on(self) -> "ResultQuerySet":
        """The families that go on to allocation, each once (new, or already on a roster:
        the round's rules decide which rosters exclude them)."""
        return self.filter(status__in=ELIGIBLE, repeat=False)

    def outcome(self, value: str) -> "ResultQuerySet":
        if value == Result.Status.DUPLICATE:
            return self.filter(models.Q(status=value) | models.Q(repeat=True))
        return self.filter(status=value, repeat=False)

    def outcome_counts(self, *by: str) -> list[dict]:
        """Counts by outcome (and by the fields named), one dict a group with "outcome", "n"."""
        outcome = models.Case(
            models.When(repeat=True, then=models.Value(Result.Status.DUPLICATE)),
            default=models.F("status"),
        )
        return list(
            self.annotate(outcome=outcome)
            .values(*by, "outcome")
            .annotate(n=models.Count("pk"))
            .order_by()
        )


class Result(models.Model):
    """What the run found for one proposed family (the contract's result row)."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        IN_ROSTER = "in_roster", _("already on a roster")
        DUPLICATE = "duplicate_in_batch", _("proposed twice")
        REVIEW = "review", _("needs review")
        INVALID = "invalid", _("invalid")

    run = models.ForeignKey(Run, models.CASCADE, related_name="results")
    proposal_row = models.ForeignKey(ProposalRow, models.PROTECT, related_name="results")
    status = models.CharField(max_length=20, choices=Status)
    programs = models.CharField(max_length=200, blank=True)
    # Every matched record, "DTSEN:1042;USULAN:5" (the roster's data row, the proposal's row).
    matches = models.TextField(blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    # New or on a roster, but the same family as an earlier row that goes on to allocation:
    # the family is counted and placed once, there (Run.count_families).
    repeat = models.BooleanField(default=False)
    objects = ResultQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "proposal_row"], name="one_result_per_row"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_row_id}: {self.status}"

    @property
    def outcome(self) -> str:
        """The status as pages count it (ResultQuerySet): a repeated family is proposed twice."""
        return self.Status.DUPLICATE if self.repeat else self.status

    def get_outcome_display(self) -> str:
        return self.Status(self.outcome).label

    @property
    def program_codes(self) -> list[str]:
        """The rosters the family is on, as a list (`programs` is the contract's "A;B")."""
        return self.split(self.programs)

    @property
    def match_labels(self) -> list[str]:
        """Where else the family is, as people read it: "PKH:77", "proposal row 12"."""
        return [
            _("proposal row %(row)s") % {"row": ref.partition(":")[2]}
            if ref.startswith("USULAN:")
            else ref
            for ref in self.split(self.matches)
        ]

    @staticmethod
    def split(joined: str) -> list[str]:
        """The contract's "A;B" (`programs`, `matches`) as a list, for values read raw too."""
        return [part for part in joined.split(";") if part]


ELIGIBLE = (Result.Status.NEW, Result.Status.IN_ROSTER)  # may go on to allocation


class ReviewPair(models.Model):
    """A possible match a person must decide. A decision is remembered for later runs unless
    either record changes."""

    run = models.ForeignKey(Run, models.CASCADE, related_name="pairs")
    proposal_row = models.ForeignKey(ProposalRow, models.PROTECT, related_name="+")
    # No database constraint: PostgreSQL cannot point a foreign key at the partitioned roster
    # table by id alone. Roster rows of a version that was ever active are never deleted.
    roster_row = models.ForeignKey(
        RosterRow, models.PROTECT, null=True, blank=True, related_name="+", db_constraint=False
    )
    other_proposal = models.ForeignKey(
        ProposalRow, models.PROTECT, null=True, blank=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=255)
    # Both records as they were compared: a decision holds for later runs while it is equal.
    fingerprint = models.CharField(max_length=64, db_index=True, default="")
    same_family = models.BooleanField(null=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()
    objects = ReviewPairQuerySet.as_manager()

    class Meta:
        ordering = ["score", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(roster_row__isnull=False, other_proposal__isnull=True)
                | models.Q(roster_row__isnull=True, other_proposal__isnull=False),
                name="pair_has_one_candidate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_row_id} ~ {self.roster_row_id or self.other_proposal_id}"

    @property
    def candidate_label(self) -> str:
        if self.roster_row_id:
            return f"{self.roster_row.version.program.code}:{self.roster_row.row_number}"
        other = self.other_proposal
        return self.run.proposal_label(other.batch_id, other.row_number)

    def decide(self, *, same_family: bool, note: str = "", by) -> None:
        """Record a person's decision and settle the proposal's result: a family confirmed on a
        roster or proposed before takes that status; one whose every doubtful match was ruled
        out is new; otherwise it waits for the pairs still open, showing those. The same two
        records waiting in another run are decided with it. Kept in the history (who, when)."""
        with transaction.atomic():
            # Lock order everywhere: the result, then its pairs (two people, one family).
            twins = ReviewPair.objects.filter(
                fingerprint=self.fingerprint, same_family__isnull=True
            )
            settled = [
                pair._settle(same_family, note, by)
                for pair in (twins.exclude(pk=self.pk) if self.fingerprint else ())
            ]
            settled.append(self._settle(same_family, note, by))
            # A family that may now go on can repeat an earlier one, or be repeated by a later one.
            recount(result.run_id for result in settled if result)

    def _settle(self, same_family: bool, note: str, by) -> "Result | None":
        """Decide this pair and settle its result; the result if it may now go on."""
        result = Result.objects.select_for_update().get(
            run=self.run_id, proposal_row=self.proposal_row_id
        )
        pairs = list(
            ReviewPair.objects.select_for_update(of=("self",))
            .filter(run=self.run_id, proposal_row=self.proposal_row_id)
            .select_related("roster_row__version__program", "other_proposal", "run")
        )
        mine = next(pair for pair in pairs if pair.pk == self.pk)
        if mine.same_family is not None:
            raise ValidationError(_("This pair was decided already."))
        mine.same_family, mine.note = same_family, note
        mine.decided_by, mine.decided_at = by, timezone.now()
        mine._history_user = by
        mine.save(update_fields=["same_family", "note", "decided_by", "decided_at"])
        self.same_family = same_family
        same = [pair for pair in pairs if pair.same_family]
        still_open = [pair for pair in pairs if pair.same_family is None]
        on_rosters = [pair for pair in same if pair.roster_row_id]
        result.programs = ";".join(
            sorted({pair.roster_row.version.program.code for pair in on_rosters})
        )
        if same:
            result.status = Result.Status.IN_ROSTER if on_rosters else Result.Status.DUPLICATE
            result.matches = ";".join(pair.candidate_label for pair in same)
            result.score, result.reason = 100, DECIDED_SAME
        elif still_open:
            best = max(still_open, key=lambda pair: pair.score)
            result.status = Result.Status.REVIEW
            result.matches = ";".join(pair.candidate_label for pair in still_open)
            result.score, result.reason = best.score, best.reason
        else:
            result.status, result.matches, result.score, result.reason = "new", "", None, ""
        result.save(update_fields=["status", "programs", "matches", "score", "reason"])
        return result if result.status in ELIGIBLE else None
