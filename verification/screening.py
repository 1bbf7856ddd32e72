"""Screening before a decree: the families of a round matched against the active exclusion
lists (civil servants, deaths, moved out...) with the cross-check's engine and reasons. A hit
is never removed silently: staff clear it, screen the family out, or send it for a visit,
and a list holding an open hit is not approved.

    screening = start(round_, by=staff)   # screened in the background (tasks.screen_round)
    decide(hit, ScreeningHit.Decision.CLEARED, note="lain orang", by=staff)
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bansos.memory import without_cycle_collection
from dedup.engine.match import Index, Record, match
from dedup.models import MatchSettings
from households.models import Household, Member, User
from programs import rounds
from programs.models import Allocation, AllocationRound, RecipientList, RosterRow, RosterVersion

from .models import Screening, ScreeningHit, Task

DECISIONS = ScreeningHit.Decision
REF_FAMILY = "K"  # a household's ref in the engine: "K:<pk>"
INSERT_BATCH = 2000
MATCH_PART = 10_000  # households matched at a time
ROW_FIELDS = ("pk", "version_id", "no_kk", "nik", "name", "sex", "birth_date", "mother_name")
ROW_FIELDS += ("address", "rt", "rw", "desa_id")


def exclusion_versions() -> QuerySet:
    """The active version of every exclusion list."""
    return RosterVersion.objects.filter(status=RosterVersion.Status.ACTIVE).exclude(
        program__screens_out=""
    )


def start(round_: AllocationRound, *, by: User) -> Screening:
    """A screening of the round against today's exclusion lists, run after commit."""
    from . import tasks  # tasks imports this module

    versions = list(exclusion_versions())
    if not versions:
        raise ValidationError(_("No exclusion list is loaded: import one first."))
    if not round_.allocations.exists():
        raise ValidationError(_("The round has no allocations to screen yet."))
    with transaction.atomic():
        screening = Screening.objects.create(round=round_, started_by=by)
        screening.versions.set(versions)
        transaction.on_commit(lambda: tasks.screen_round.delay(screening.pk))
    return screening


def _clean(number: str) -> str:
    return number if len(number) == 16 and number.isascii() and number.isdigit() else ""


def _row_record(values: tuple) -> Record:
    pk, version, kk, nik, name, sex, born, mother, address, rt, rw, desa = values
    return Record(
        f"{version}:{pk}", _clean(kk), _clean(nik), name, sex, born, mother, address, rt, rw,
        str(desa or ""),
    )  # fmt: skip


def _family_record(h: dict) -> Record:
    return Record(
        f"{REF_FAMILY}:{h['pk']}",
        _clean(h["no_kk"]),
        _clean(h["head_nik"]),
        h["head_name"],
        h["head_sex"],
        h["head_birth_date"],
        "",
        h["address"],
        h["rt"],
        h["rw"],
        str(h["desa_id"]),
    )


@without_cycle_collection()
def screen(screening: Screening) -> int:
    """Match the round's families (heads by the engine, members by their NIK) against the
    screening's lists; store the hits, carrying over what staff decided on the same hit in an
    earlier screening of the round. Safe to run twice. Returns the number of hits."""
    round_ = screening.round
    versions = list(screening.versions.all())
    screened = round_.allocations.exclude(status=Allocation.Status.RETURNED)
    allocations = dict(screened.values_list("household_id", "pk"))
    # Subqueries, never the round's 71,000 ids as parameters (SQLite takes 32,766 at most).
    households = list(
        Household.objects.filter(pk__in=screened.values("household_id")).values(
            "pk", "no_kk", "head_nik", "head_name", "head_sex", "head_birth_date", "address",
            "rt", "rw", "desa_id",
        )
    )  # fmt: skip
    _progress(screening, 10)
    rows = RosterRow.objects.filter(version__in=versions).values_list(*ROW_FIELDS)
    records = [_row_record(values) for values in rows.iterator(chunk_size=20_000)]
    _progress(screening, 40)
    found: dict[tuple[int, int], tuple[str, int, str]] = {}  # (household, row) -> evidence
    names = {h["pk"]: h["head_name"] for h in households}
    index, thresholds = Index(records), MatchSettings.current().thresholds
    families = [_family_record(h) for h in households]
    candidates: dict = {}
    # A part at a time against the one index: the same hits, with the slip search's arrays
    # a part's size (benchmarks/bench_screening.py: 1.5 GB to 0.6 GB, and faster).
    for start in range(0, len(families), MATCH_PART):
        candidates |= match(families[start : start + MATCH_PART], index, thresholds)
    version_of: dict[int, int] = {}  # list row -> its version, from the ref "version:row"
    for ref, matched in candidates.items():
        household = int(ref.partition(":")[2])
        for candidate in matched:
            version, _colon, row = candidate.ref.partition(":")
            version_of[int(row)] = int(version)
            found[(household, int(row))] = (names[household], candidate.score, candidate.reason)
    _progress(screening, 70)
    # A member (a civil servant's wife, a son who died) is found by the very NIK only.
    by_nik: dict[str, list[tuple[int, int]]] = defaultdict(list)  # NIK -> (version, row)
    for record in records:
        if record.nik:
            version, _colon, row = record.ref.partition(":")
            by_nik[record.nik].append((int(version), int(row)))
    members = Member.objects.filter(
        household__in=screened.values("household_id"), status=Member.Status.LIVING
    ).exclude(nik="")
    for household, name, nik in members.values_list("household_id", "name", "nik").iterator():
        for version, row in by_nik.get(nik, ()):
            # The very NIK names who it is, over the head's match by the family's No. KK.
            version_of[row] = version
            found[(household, row)] = (name, 100, "NIK anggota keluarga sama")
    # Who each hit names on its list, across the list's versions: the row's NIK, else No. KK.
    wanted = {row for _household, row in found}
    number_of = {
        int(record.ref.partition(":")[2]): record.nik or record.no_kk
        for record in records
        if int(record.ref.partition(":")[2]) in wanted
    }
    program_of = {version.pk: version.program_id for version in versions}
    _store(screening, found, allocations, version_of, number_of, program_of)
    screening.families = len(households)
    screening.screened = sorted(allocations)
    screening.status, screening.progress = Screening.Status.DONE, 100
    screening.finished_at = timezone.now()
    screening.save()
    return len(found)


@transaction.atomic
def _store(
    screening: Screening,
    found: dict,
    allocations: dict,
    version_of: dict,
    number_of: dict,
    program_of: dict,
) -> None:
    """Replace the screening's hits. A hit staff decided in an earlier screening of the round
    keeps its decision: the same family, the same list (whatever its version) and the same
    number on it; of two decisions, the latest."""
    earlier: dict[tuple, dict] = {}
    decided = (
        ScreeningHit.objects.filter(screening__round=screening.round)
        .exclude(screening=screening)
        .exclude(decision=DECISIONS.UNDECIDED)
        .order_by("decided_at", "pk")
        .values(
            "household_id", "version__program_id", "row__nik", "row__no_kk", "decision",
            "note", "decided_by_id", "decided_at",
        )
    )  # fmt: skip
    for hit in decided:
        number = _clean(hit["row__nik"]) or _clean(hit["row__no_kk"])
        earlier[(hit["household_id"], hit["version__program_id"], number)] = hit
    screening.hits.all().delete()
    hits = []
    for (household, row), (person, score, reason) in found.items():
        hit = ScreeningHit(
            screening=screening,
            household_id=household,
            allocation_id=allocations.get(household),
            version_id=version_of[row],
            row_id=row,
            person=person[:150],
            score=score,
            reason=reason[:255],
        )
        before = earlier.get((household, program_of[version_of[row]], number_of[row]))
        if before is not None:  # decided before: not asked again
            hit.decision, hit.note = before["decision"], before["note"]
            hit.decided_by_id, hit.decided_at = before["decided_by_id"], before["decided_at"]
        hits.append(hit)
    ScreeningHit.objects.bulk_create(hits, batch_size=INSERT_BATCH)


def _progress(screening: Screening, percent: int) -> None:
    Screening.objects.filter(pk=screening.pk).update(progress=percent)


def latest(round_: AllocationRound) -> Screening | None:
    return round_.screenings.first()


def stalled(screening: Screening) -> bool:
    """Running for longer than any screening takes: its worker died (killed, out of memory),
    and it may be started again."""
    limit = timezone.now() - settings.DEDUP_STALLED_AFTER
    return screening.status == Screening.Status.RUNNING and screening.started_at < limit


@transaction.atomic
def decide(hit: ScreeningHit, decision: str, *, note: str, by: User, cycle=None) -> ScreeningHit:
    """Staff's answer to a hit: not the same person (cleared), screened out of the round (the
    family's allocation is removed with the reason), or sent for a field visit in `cycle`."""
    from . import visits  # visits imports this module

    note = note.strip()
    if decision not in DECISIONS.values or decision == DECISIONS.UNDECIDED:
        raise ValidationError(_("Choose a decision."))
    if not note and decision != DECISIONS.VISIT:
        raise ValidationError(_("Say why: the decision is kept with the family."))
    hit = ScreeningHit.objects.select_for_update().get(pk=hit.pk)
    if decision == DECISIONS.EXCLUDED:
        reason = _("Screened out: %(list)s (%(why)s)") % {
            "list": hit.version.program.get_screens_out_display(),
            "why": note,
        }
        # Out of this round: another round (BLT Desa, say) screens on its own.
        remove_from_open_rounds(hit.household, reason=reason, by=by, round_=hit.screening.round)
    if decision == DECISIONS.VISIT:
        if cycle is None:
            raise ValidationError(_("Choose the verification cycle of the visit."))
        made = visits.add_task(
            cycle,
            hit.household,
            reason="screening",
            note=f"{hit.version.program.code}: {hit.reason}",
            by=by,
            hit=hit,
        )
        # In the cycle already: its visit settles this hit too, unless it is over.
        if (
            made is None
            and cycle.tasks.filter(household=hit.household, status=Task.Status.APPROVED).exists()
        ):
            raise ValidationError(
                _(
                    "The family's visit in %(cycle)s is approved already: decide from its "
                    "outcome, or choose another cycle."
                )
                % {"cycle": cycle}
            )
    hit.decision, hit.note, hit.decided_by, hit.decided_at = decision, note, by, timezone.now()
    hit._history_user = by
    # Only the decision: removing the family from the round has already unlinked its allocation.
    hit.save(update_fields=["decision", "note", "decided_by", "decided_at"])
    return hit


def remove_from_open_rounds(
    household: Household, *, reason: str, by: User, round_: AllocationRound | None = None
) -> list[str]:
    """The family's allocations not yet on an approved list (of `round_`, or of every round)
    are removed with the reason (each kept in the allocation's history); those already
    approved stay as signed, named back."""
    kept = []
    allocations = Allocation.objects.filter(household=household).exclude(
        status=Allocation.Status.APPROVED
    )
    if round_ is not None:
        allocations = allocations.filter(round=round_)
    for allocation in allocations:
        try:
            rounds.move(allocation, to=None, reason=reason[:200], by=by)
        except ValidationError:  # on an approved list: it stays as signed
            kept.append(allocation.round.name)
    return kept


def holding_back(recipients: RecipientList) -> list[str]:
    """Why the list cannot be approved yet, screening-wise; empty when nothing holds it."""
    versions = set(exclusion_versions().values_list("pk", flat=True))
    if not versions:
        return []
    screening = (
        recipients.round.screenings.filter(status=Screening.Status.DONE)
        .prefetch_related("versions")
        .first()
    )
    if screening is None or not versions <= {v.pk for v in screening.versions.all()}:
        return [_("Screen the round against the current exclusion lists first.")]
    households = set(recipients.allocations.values_list("household_id", flat=True))
    unscreened = households - set(screening.screened)
    if unscreened:
        return [
            ngettext(
                "%(n)s family joined the list after the last screening: screen again.",
                "%(n)s families joined the list after the last screening: screen again.",
                len(unscreened),
            )
            % {"n": len(unscreened)}
        ]
    open_hits = screening.hits.filter(
        household__in=recipients.allocations.values("household_id"),
        decision__in=[DECISIONS.UNDECIDED, DECISIONS.VISIT],
    ).count()
    if open_hits:
        return [
            ngettext(
                "%(n)s screening hit is still undecided.",
                "%(n)s screening hits are still undecided.",
                open_hits,
            )
            % {"n": open_hits}
        ]
    return []


def on_list_approving(sender, recipients: RecipientList, user: User, **kwargs) -> None:
    """programs.models.list_approving: a list holding an open hit is not signed."""
    reasons = holding_back(recipients)
    if reasons:
        raise ValidationError(reasons)


def round_notices(sender, round: AllocationRound, user: User, **kwargs) -> list[dict]:
    """programs.models.round_notices: the round's screening, for the district."""
    if not user.sees_district or not exclusion_versions().exists():
        return []
    url = reverse("verification:screening", args=[round.pk])
    screening = latest(round)
    if screening is None:
        text = _("Not screened against the exclusion lists yet.")
        return [{"text": text, "url": url, "level": "warning"}]
    if screening.status == Screening.Status.FAILED or stalled(screening):
        text = _("The last screening did not finish: screen again.")
        return [{"text": text, "url": url, "level": "warning"}]
    if screening.status != Screening.Status.DONE:
        return [{"text": _("Screening is running."), "url": url, "level": "info"}]
    undecided = screening.hits.filter(decision__in=[DECISIONS.UNDECIDED, DECISIONS.VISIT])
    n = undecided.count()
    if n:
        text = ngettext(
            "Screening: %(n)s hit is still undecided; lists holding it cannot be approved.",
            "Screening: %(n)s hits are still undecided; lists holding them cannot be approved.",
            n,
        ) % {"n": n}
        return [{"text": text, "url": url, "level": "warning"}]
    text = _("Screened on %(date)s: no undecided hit.") % {
        "date": timezone.localtime(screening.finished_at).strftime("%d-%m-%Y %H:%M")
    }
    return [{"text": text, "url": url, "level": "info"}]
