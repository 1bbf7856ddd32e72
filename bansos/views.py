"""The pages above every app: each role's home page and a family's page, which bring together
what households, programmes, proposals and complaints know. The apps below import nothing from
here; this module imports from each of them."""

from itertools import groupby, pairwise

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject, new_method_proxy
from django.views.decorators.http import require_GET

from complaints.models import OPEN, Complaint
from distribution import payments
from households.access import role_required, signed_in
from households.models import Household, Member, Region, User
from programs.models import (
    Allocation,
    ProposalBatch,
    ProposalRow,
    RecipientList,
    RosterRow,
    RosterVersion,
)
from programs.rounds.corrections import returned_for
from verification.models import Task


class LazyCount(SimpleLazyObject):
    """A count made when a page first shows it; an int to the filters (`intcomma`) too."""

    __int__ = new_method_proxy(int)


@role_required(signed_in)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    batches = ProposalBatch.objects.for_user(user)
    # Counted only if the role's page shows it (each role's home shows some of these): a
    # district's counts over every proposal row and household are the page's main cost.
    context = {
        "batch_counts": SimpleLazyObject(
            lambda: dict(batches.values_list("status").annotate(n=Count("pk")).order_by())
        ),
        "rows_to_fix": LazyCount(
            ProposalRow.objects.filter(batch__in=batches, status=ProposalRow.Status.INVALID).count
        ),
        "household_count": LazyCount(Household.objects.for_user(user).count),
        # JPS families returned to the operator's unit, waiting for its correction.
        "jps_returned": LazyCount(
            returned_for(user).filter(status=Allocation.Status.RETURNED).count
        ),
        # Open complaints: all of them at the desk, those forwarded to an operator's unit.
        "open_complaints": LazyCount(
            Complaint.objects.handled_by(user).filter(status__in=OPEN).count
        ),
        "active_versions": RosterVersion.objects.filter(
            status=RosterVersion.Status.ACTIVE
        ).select_related("program"),
        "recent_batches": batches.select_related("unit", "sector")
        .annotate(
            n_rows=Count("rows"),
            n_invalid=Count("rows", filter=Q(rows__status=ProposalRow.Status.INVALID)),
        )
        .order_by("-created_at", "pk")[:5],
    }
    visits = Task.objects.for_user(user).filter(cycle__closed=False)
    if user.role == User.Role.VILLAGE:
        context["visits_to_do"] = LazyCount(
            visits.filter(status__in=[Task.Status.OPEN, Task.Status.RETURNED]).count
        )
        context["payments_to_fix"] = LazyCount(
            payments.for_village(user)
            .filter(status__in=payments.TO_CORRECT)
            .exclude(corrections__decision="pending")  # sent: the district's turn
            .count
        )
    if user.can_manage:
        context["corrections_to_check"] = LazyCount(payments.pending_for(user).count)
    if user.watches_kecamatan:
        context["villages"] = _kecamatan_villages(user)
        context["visits_to_check"] = LazyCount(visits.filter(status=Task.Status.SUBMITTED).count)
    if user.role == User.Role.HEAD:  # what waits for the head's signature
        context["lists_waiting"] = (
            RecipientList.objects.filter(approved_at__isnull=True)
            .select_related("round", "target", "prepared_by")
            .order_by("round__name", "target__code", "phase")
        )
    return render(request, f"home/{user.role}.html", context)


def _kecamatan_villages(user: User) -> list[Region]:
    """The kecamatan's desa and kelurahan, each with its households, proposals, rows to fix and
    open complaints (one grouped query each)."""
    villages = list(Region.objects.filter(parent__unit__id=user.unit_id).order_by("name"))
    households = dict(
        Household.objects.for_user(user).values_list("desa").annotate(n=Count("pk")).order_by()
    )
    batches = ProposalBatch.objects.for_user(user)
    proposals = dict(batches.values_list("unit__region").annotate(n=Count("pk")).order_by())
    to_fix = dict(
        ProposalRow.objects.filter(batch__in=batches, status=ProposalRow.Status.INVALID)
        .values_list("batch__unit__region")
        .annotate(n=Count("pk"))
        .order_by()
    )
    complaints = dict(
        Complaint.objects.for_user(user)
        .filter(status__in=OPEN)
        .values_list("desa")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for village in villages:
        village.n_households = households.get(village.pk, 0)
        village.n_proposals = proposals.get(village.pk, 0)
        village.n_to_fix = to_fix.get(village.pk, 0)
        village.n_complaints = complaints.get(village.pk, 0)
    return villages


@role_required(signed_in)
@require_GET
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.for_user(request.user).select_related("desa__parent"), pk=pk
    )
    members = list(household.members.all())
    memberships = (
        RosterRow.objects.active()
        .of_household(household, [household.head_nik, *(m.nik for m in members if m.nik)])
        .select_related("version__program")
        .order_by("version__program__code")
    )
    # One record more than shown, so the oldest shown one still has something to compare with.
    history = household.history.select_related("history_user").order_by("-history_date")[:51]
    member_history = (
        Member.history.filter(household_id=household.pk)
        .select_related("history_user")
        .order_by("id", "-history_date")
    )
    context = {
        "household": household,
        "members": members,
        "memberships": memberships,
        "history": sorted(
            [*_history_rows(history)[:50], *_member_rows(member_history)],
            key=lambda row: row["record"].history_date,
            reverse=True,
        )[:50],
        "proposals": household.proposal_rows.filter(
            batch__in=ProposalBatch.objects.for_user(request.user)
        ).select_related("batch__unit"),
        # Its verification visits, for those who may see them (not the desk, not agencies).
        "visits": Task.objects.for_user(request.user)
        .filter(household=household)
        .select_related("cycle")
        .order_by("-created_at"),
        # Open complaints about the family, for those who may read them: the desk, staff
        # allocating aid, the unit a complaint is forwarded to.
        "complaints": Complaint.objects.for_user(request.user)
        .filter(household=household, status__in=OPEN)
        .select_related("category"),
    }
    return render(request, "households/household_detail.html", context)


def _history_rows(records, model=Household, who: str = "") -> list[dict]:
    """Each historical record with the fields it changed (a new value where it is a choice,
    "status: died"), newest first."""
    # Households loaded in bulk (demo data, imports) have no history records at all.
    rows = []
    for newer, older in pairwise([*records, None]):
        diff = newer.diff_against(older).changes if older else []
        changes = []
        for change in diff:
            field = model._meta.get_field(change.field)
            label = str(field.verbose_name)
            if field.choices:
                label += f": {dict(field.choices).get(change.new, change.new)}"
            changes.append(label)
        rows.append({"record": newer, "changes": changes, "who": who})
    return rows


def _member_rows(records) -> list[dict]:
    """The members' history lines, each member's compared with its own earlier record."""
    rows = []
    for _pk, own in groupby(records, key=lambda record: record.id):
        own = list(own)
        rows += _history_rows(own, Member, who=own[0].name)
    return rows
