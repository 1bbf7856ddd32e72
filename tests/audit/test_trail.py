"""The audit trail an inspector reads: sign-ins and failed sign-ins with lock-outs, full
numbers shown, personal data downloaded and exported with their purpose, rosters imported,
lists approved, accounts changed; filtered by person, kind and date, paged, and downloadable."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households.models import Download, IdReveal
from programs.models import AllocationRound, ListExport, RecipientList, Upload
from tests.conftest import PASSWORD, program

pytestmark = pytest.mark.django_db


def trail(client, **params):
    response = client.get(reverse("audit:trail"), params)
    assert response.status_code == 200
    return [(e["event"], e["person"], e["subject"], e["why"]) for e in response.context["page"]]


def kinds(rows):
    return [row[0] for row in rows]


def test_sign_ins_failed_sign_ins_and_the_lock_out_are_in_the_trail(client, login, users, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(reverse("login"), {"username": "op.sindurjan", "password": "salah"})
    client.post(reverse("login"), {"username": "staf", "password": PASSWORD})
    signing_in = {"sign_in", "failed_sign_in", "lock_out"}
    rows = [r for r in trail(login(users["admin"])) if r[0] in signing_in and r[1] != "admin"]
    assert kinds(rows) == ["sign_in", "lock_out", "failed_sign_in", "failed_sign_in"]
    assert {row[1] for row in rows[1:]} == {"op.sindurjan"}
    assert rows[0][1] == "staf"


def test_reveals_downloads_exports_imports_approvals_and_account_changes(
    login, users, households, batches
):
    head, staff = users["head"], users["staff"]
    login(staff).post(reverse("households:reveal", args=[households["a"].pk, "nik"]))
    login(staff).get(reverse("programs:batch_rejected", args=[batches["a"].pk]))
    Upload.objects.create(
        kind=Upload.Kind.ROSTER, file="uploads/dtsen.csv", filename="dtsen-2026-11.csv",
        uploaded_by=staff, status=Upload.Status.DONE, rows_saved=1_000_000,
    )  # fmt: skip
    listed = RecipientList.objects.create(
        round=AllocationRound.objects.create(name="JPS Mei 2020", created_by=staff),
        target=program("JPSKAB"), prepared_by=staff, approved_by=head,
        approved_at=timezone.now(),
    )  # fmt: skip
    ListExport.objects.create(
        recipients=listed, layout=ListExport.Layout.DESA, purpose="SK Bupati", exported_by=staff,
        rows=7318,
    )  # fmt: skip
    login(users["admin"]).post(
        reverse("users:edit", args=[users["village"].pk]),
        {"username": "op.sindurjan", "first_name": "Op", "last_name": "", "email": "",
         "phone": "", "role": "village", "unit": users["village_b"].unit_id, "is_active": "on"},
    )  # fmt: skip

    rows = trail(login(head))
    by_kind = {row[0]: row for row in reversed(rows)}
    assert by_kind["reveal"][1] == "staf" and "SLAMET RIYADI" in by_kind["reveal"][2]
    download = by_kind["download"]
    assert download[1] == "staf" and download[2] == "Usulan Sindurjan (1)"
    assert download[3] == str(Download.PURPOSES[Download.Kind.REJECTED_ROWS])
    assert by_kind["roster_import"][2].startswith("dtsen-2026-11.csv")
    assert by_kind["export"][1] == "staf" and by_kind["export"][3] == "SK Bupati"
    assert "7318" in by_kind["export"][2]
    assert by_kind["approval"][1] == "kepala" and "JPSKAB" in by_kind["approval"][2]
    assert by_kind["account"][1] == "admin" and "op.sindurjan" in by_kind["account"][2]


def test_the_trail_filters_by_person_kind_and_date(login, users, households):
    staff, head = users["staff"], users["head"]
    IdReveal.objects.create(user=staff, household=households["a"], field="nik")
    IdReveal.objects.create(user=head, household=households["b"], field="no_kk")
    old = IdReveal.objects.create(user=staff, household=households["b"], field="nik")
    IdReveal.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=90))
    client = login(users["admin"])

    assert [r[1] for r in trail(client, kind="reveal")] == ["kepala", "staf"]  # the last month
    assert [r[1] for r in trail(client, kind="reveal", person="staf")] == ["staf"]
    long_ago = (timezone.localdate() - datetime.timedelta(days=120)).strftime("%d-%m-%Y")
    assert len(trail(client, kind="reveal", person="staf", since=long_ago)) == 2
    until = (timezone.localdate() - datetime.timedelta(days=60)).strftime("%d-%m-%Y")
    assert len(trail(client, kind="reveal", since=long_ago, until=until)) == 1


def test_the_trail_is_paged_in_the_database(login, users, households):
    IdReveal.objects.bulk_create(
        IdReveal(user=users["staff"], household=households["a"], field="nik") for _ in range(120)
    )
    page = login(users["admin"]).get(reverse("audit:trail"), {"kind": "reveal", "page": 3})
    assert page.context["page"].paginator.count == 120
    assert len(page.context["page"]) == 20


def test_the_trail_downloads_as_xlsx_and_the_download_is_itself_recorded(login, users, households):
    IdReveal.objects.create(user=users["staff"], household=households["a"], field="nik")
    client = login(users["head"])
    response = client.get(reverse("audit:xlsx"), {"kind": "reveal"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Kapan", "Jenis", "Orang")
    assert [row[2] for row in rows[1:]] == ["staf"]
    assert isinstance(rows[1][0], datetime.datetime)
    recorded = Download.objects.get(kind=Download.Kind.AUDIT)
    assert recorded.user == users["head"] and recorded.rows == 1


def test_only_administrators_and_the_head_read_the_trail(login, users):
    for role in ("staff", "village", "desk", "kecamatan"):
        assert login(users[role]).get(reverse("audit:trail")).status_code == 403
