"""One trail of who did what with personal data, read from where each thing is already
recorded: sign-ins and failed sign-ins (django-axes), full numbers shown, personal data
downloaded, recipient lists exported (with their purpose), rosters imported, lists approved,
accounts changed. Nothing is copied: each source is filtered, and the database joins them in
one ordered, paged query (UNION ALL)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from axes.models import AccessFailureLog, AccessLog
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Download, IdReveal, User
from programs.models import ListExport, RecipientList, Upload

KINDS = {
    "sign_in": _("sign-in"),
    "failed_sign_in": _("failed sign-in"),
    "lock_out": _("failed sign-in, locked out"),
    "reveal": _("full NIK or No. KK shown"),
    "download": _("personal data downloaded"),
    "export": _("recipient list exported"),
    "roster_import": _("roster imported"),
    "approval": _("recipient list approved"),
    "account": _("account changed"),
    "file_deleted": _("uploaded file deleted (retention)"),
}
COLUMNS = ("moment", "event", "person", "subject", "why")


@dataclass
class Filters:
    person: str = ""  # part of a username
    kind: str = ""  # one of KINDS, or every kind
    since: datetime.date | None = None
    until: datetime.date | None = None


def events(filters: Filters) -> QuerySet:
    """Every event the filters let through, newest first, as dicts of COLUMNS."""
    parts = [part for kinds, part in _sources(filters) if not filters.kind or filters.kind in kinds]
    if not parts:
        return Download.objects.none().values(*COLUMNS)
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-moment")


def _sources(f: Filters):
    text = CharField()

    def shaped(qs, when, kind, person, subject, why=None):
        """`person`: the field naming who did it; None for the app itself (retention)."""
        qs = _between(qs, when, f)
        if f.person:
            qs = qs.filter(**{f"{_username(person)}__icontains": f.person}) if person else qs.none()
        return (
            qs.annotate(
                moment=F(when),
                event=kind if not isinstance(kind, str) else Value(kind, output_field=text),
                person=Coalesce(F(_username(person)), Value(""), output_field=text)
                if person
                else Value("", output_field=text),
                subject=Cast(subject, text),
                why=Value("", output_field=text) if why is None else Cast(why, text),
            )
            .values(*COLUMNS)
            .order_by()
        )  # no model ordering inside the UNION

    failed = AccessFailureLog.objects.all()
    if f.kind == "failed_sign_in":
        failed = failed.filter(locked_out=False)
    elif f.kind == "lock_out":
        failed = failed.filter(locked_out=True)
    yield (
        {"sign_in"},
        shaped(AccessLog.objects.all(), "attempt_time", "sign_in", "username", F("ip_address")),
    )
    yield (
        {"failed_sign_in", "lock_out"},
        shaped(
            failed,
            "attempt_time",
            Case(
                When(locked_out=True, then=Value("lock_out")),
                default=Value("failed_sign_in"),
                output_field=text,
            ),
            "username",
            F("ip_address"),
        ),
    )
    yield {"reveal"}, shaped(
        IdReveal.objects.all(),
        "at",
        "reveal",
        "user",
        Concat(F("field"), Value(" · "), F("household__head_name"), Value(" #"),
               Cast("household_id", text), output_field=text),
    )  # fmt: skip
    yield (
        {"download"},
        shaped(
            Download.objects.all(),
            "at",
            "download",
            "user",
            Concat(F("label"), Value(" ("), Cast("rows", text), Value(")"), output_field=text),
            F("purpose"),
        ),
    )
    yield {"export"}, shaped(
        ListExport.objects.all(),
        "exported_at",
        "export",
        "exported_by",
        Concat(F("recipients__target__code"), Value(" · "), F("recipients__round__name"),
               Value(" · v"), Cast("recipients__version", text), Value(" ("),
               Cast("rows", text), Value(")"), output_field=text),
        F("purpose"),
    )  # fmt: skip
    yield {"roster_import"}, shaped(
        Upload.objects.filter(kind=Upload.Kind.ROSTER),
        "created_at",
        "roster_import",
        "uploaded_by",
        Concat(F("filename"), Value(" · "), F("status"), Value(" ("),
               Cast("rows_saved", text), Value(")"), output_field=text),
    )  # fmt: skip
    yield {"approval"}, shaped(
        RecipientList.objects.filter(approved_at__isnull=False),
        "approved_at",
        "approval",
        "approved_by",
        Concat(F("target__code"), Value(" · "), F("round__name"), Value(" · v"),
               Cast("version", text), output_field=text),
        F("reason"),
    )  # fmt: skip
    yield (
        {"file_deleted"},
        shaped(
            Upload.objects.filter(file_deleted_at__isnull=False),
            "file_deleted_at",
            "file_deleted",
            None,
            F("filename"),
        ),
    )
    yield {"account"}, shaped(
        User.history.all(),
        "history_date",
        "account",
        "history_user",
        Concat(F("username"), Value(" · "), F("role"), output_field=text),
    )  # fmt: skip


def _username(person: str) -> str:
    return person if person == "username" else f"{person}__username"


def _between(qs: QuerySet, when: str, f: Filters) -> QuerySet:
    zone = timezone.get_current_timezone()
    if f.since:
        qs = qs.filter(
            **{f"{when}__gte": datetime.datetime.combine(f.since, datetime.time(), zone)}
        )
    if f.until:
        end = datetime.datetime.combine(f.until + datetime.timedelta(days=1), datetime.time(), zone)
        qs = qs.filter(**{f"{when}__lt": end})
    return qs
