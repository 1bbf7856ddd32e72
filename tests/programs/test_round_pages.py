"""Allocation rounds in the browser's pages: staff set the rules, see the proposal per
kecamatan before saving, save it once; operators and the desk never reach them."""

import pytest
from django.urls import reverse

from programs.models import Allocation, AllocationRound

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_staff_set_a_round_see_the_proposal_and_save_it_once(client, users, doubtful_run):
    login(client, users["staff"])
    response = client.post(
        reverse("programs:rounds"),
        {
            "name": "Bansos Desember 2026",
            "run": doubtful_run.pk,
            "places_BANSOSPROV": 10,
            "budget_JPSKAB": 7_500_000,
            "order": "desil",
            "allowed": ["BANSOSPROV+PKH"],
        },
    )
    round_ = AllocationRound.objects.get()
    assert response.url == reverse("programs:round", args=[round_.pk])
    assert round_.allowed_pairs == [["BANSOSPROV", "PKH"]] and round_.order == ["desil"]
    assert [(t.program.code, t.places, t.budget) for t in round_.targets.all()] == [
        ("BANSOSPROV", 10, None),
        ("JPSKAB", None, 7_500_000),
    ]

    page = client.get(response.url)
    assert "Usulan alokasi (belum disimpan)" in page.content.decode()
    assert page.context["rows"] == [("Purworejo", [1, 0])]  # SLAMET, on PKH, to the province
    opened = client.get(response.url, {"kecamatan": "Purworejo"})  # the kecamatan's desa
    assert opened.context["desa_rows"] == [("Sindurjan", [1, 0])]
    assert [(t.program.code, n, cost) for t, n, cost in page.context["totals"]] == [
        ("BANSOSPROV", 1, 600_000),
        ("JPSKAB", 0, 0),
    ]
    assert not Allocation.objects.exists()  # nothing saved by looking

    client.post(reverse("programs:round_save", args=[round_.pk]), {"seen": 1})
    client.post(reverse("programs:round_save", args=[round_.pk]), {"seen": 1})  # a second click
    assert Allocation.objects.count() == 1
    assert client.get(response.url).context["saved"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("7.500.000", 7_500_000), ("Rp 7.500.000", 7_500_000), ("7500000", 7_500_000)],
)
def test_a_budget_is_typed_and_shown_with_its_thousands_grouped(
    client, users, doubtful_run, typed, stored
):
    login(client, users["staff"])
    data = {"name": "JPS", "run": doubtful_run.pk, "order": "desil", "budget_JPSKAB": typed}
    response = client.post(reverse("programs:rounds"), data)
    round_ = AllocationRound.objects.get()
    assert round_.targets.get().budget == stored
    form = client.get(reverse("programs:round_edit", args=[round_.pk])).content.decode()
    assert 'value="7.500.000"' in form and 'inputmode="numeric"' in form
    assert response.status_code == 302


def test_a_budget_with_cents_is_refused_saying_how_to_write_it(client, users, doubtful_run):
    data = {"name": "JPS", "run": doubtful_run.pk, "order": "desil", "budget_JPSKAB": "7.500,50"}
    page = login(client, users["staff"]).post(reverse("programs:rounds"), data)
    assert page.status_code == 200 and not AllocationRound.objects.exists()
    assert "Tulis jumlah rupiah yang bulat, misalnya 1.500.000.000" in page.content.decode()


def test_a_round_form_without_a_name_is_refused_with_the_reason(client, users, doubtful_run):
    page = login(client, users["staff"]).post(reverse("programs:rounds"), {"run": doubtful_run.pk})
    assert page.status_code == 200 and "name" in page.context["form"].errors
    assert not AllocationRound.objects.exists()


@pytest.mark.parametrize("role", ["village", "agency", "desk"])
def test_operators_and_the_desk_cannot_open_allocation(client, users, role):
    login(client, users[role])
    assert client.get(reverse("programs:rounds")).status_code == 403


def test_returned_jps_families_show_on_the_proposers_page_with_the_reasons(
    client, users, doubtful_run
):
    from programs import rounds
    from programs.models import Program, ProposalBatch, ProposalRow

    round_ = AllocationRound.objects.create(
        name="JPS Desember 2026", run=doubtful_run, created_by=users["staff"]
    )
    round_.targets.create(program=Program.objects.get(code="JPSKAB"), places=5)
    row = ProposalRow.objects.get(name="SLAMET RIYADI")
    plan = rounds.plan_round(round_, overrides={row.pk: ("JPSKAB", "PKH dihentikan")})
    rounds.save_plan(round_, plan, by=users["staff"])
    ProposalRow.objects.filter(pk=row.pk).update(rt="")

    login(client, users["staff"]).post(reverse("programs:round_revalidate", args=[round_.pk]))
    phases = client.get(reverse("programs:round", args=[round_.pk])).context["phases"]
    assert [(n, total) for _label, n, _per_month, _months, total in phases] == [
        (0, 0),
        (0, 0),
        (1, 750_000),  # returned: one family, Rp250.000 x 3 waiting for its correction
        (0, 0),
        (0, 0),
    ]
    page = login(client, users["village"]).get(
        reverse("programs:batch", args=[ProposalBatch.objects.get().pk])
    )
    text = page.content.decode()
    assert "Dikembalikan dari JPS untuk diperbaiki" in text and "Alamat belum lengkap: RT." in text


def test_staff_prepare_the_provincial_list_and_the_head_approves_it_in_the_page(
    client, users, doubtful_run
):
    from programs import rounds
    from programs.models import Program, RecipientList

    round_ = AllocationRound.objects.create(
        name="Bansos Desember 2026",
        run=doubtful_run,
        allowed_pairs=[["PKH", "BANSOSPROV"]],
        created_by=users["staff"],
    )
    round_.targets.create(program=Program.objects.get(code="BANSOSPROV"), places=5)
    rounds.save_plan(round_, rounds.plan_round(round_), by=users["staff"])
    page = reverse("programs:round", args=[round_.pk])

    login(client, users["staff"]).post(
        reverse("programs:list_prepare", args=[round_.pk]), {"program": "BANSOSPROV"}
    )
    recipients = RecipientList.objects.get()
    assert "menunggu kepala dinas" in client.get(page).content.decode()

    head = login(client, users["head"])
    assert "Setujui versi 1" in head.get(page).content.decode()
    head.post(reverse("programs:list_approve", args=[recipients.pk]))
    recipients.refresh_from_db()
    assert recipients.approved_by == users["head"]
    assert "disetujui oleh" in head.get(page).content.decode()

    # A change now needs a new version with a reason, asked for in the page.
    staff = login(client, users["staff"])
    assert 'name="reason" required' in staff.get(page).content.decode()


def test_staff_find_a_family_behind_a_count_and_move_it_with_a_reason(client, users, doubtful_run):
    from programs import rounds
    from programs.models import Program

    round_ = AllocationRound.objects.create(
        name="Bansos Desember 2026",
        run=doubtful_run,
        allowed_pairs=[["PKH", "BANSOSPROV"]],
        created_by=users["staff"],
    )
    round_.targets.create(program=Program.objects.get(code="BANSOSPROV"), places=5, position=0)
    round_.targets.create(program=Program.objects.get(code="JPSKAB"), places=5, position=1)
    rounds.save_plan(round_, rounds.plan_round(round_), by=users["staff"])
    allocation = Allocation.objects.get()

    login(client, users["staff"])
    listed = client.get(
        reverse("programs:round_families", args=[round_.pk]), {"target": "BANSOSPROV"}
    )
    text = listed.content.decode()
    assert "SLAMET RIYADI" in text and allocation.proposal_row.nik not in text  # NIK masked

    move = reverse("programs:allocation_move", args=[allocation.pk])
    refused = client.post(move, {"to": "JPSKAB", "reason": "kuota provinsi penuh"}, follow=True)
    assert "sudah menerima PKH" in refused.content.decode()  # PKH may not join JPS
    client.post(
        move, {"to": "JPSKAB", "reason": "kuota provinsi penuh", "override": "PKH berhenti"}
    )
    allocation.refresh_from_db()
    assert (allocation.target.code, allocation.override_reason) == ("JPSKAB", "PKH berhenti")


@pytest.fixture
def prepared(users, doubtful_run):
    """The province's list of a saved round, prepared by staff, waiting for the head."""
    from programs import rounds
    from programs.models import Program, ProposalRow

    ProposalRow.objects.filter(name="SLAMET RIYADI").update(name="=HYPERLINK(1)")
    round_ = AllocationRound.objects.create(
        name="Bansos Desember 2026",
        run=doubtful_run,
        allowed_pairs=[["PKH", "BANSOSPROV"]],
        created_by=users["staff"],
    )
    province = Program.objects.get(code="BANSOSPROV")
    round_.targets.create(program=province, places=5)
    rounds.save_plan(round_, rounds.plan_round(round_), by=users["staff"])
    return rounds.prepare_list(round_, province, None, by=users["staff"])


@pytest.fixture
def approved(users, prepared):
    from programs import rounds

    return rounds.approve(prepared, by=users["head"])


def test_an_approved_list_downloads_as_the_annex_with_who_when_and_why(client, users, approved):
    import io

    import openpyxl

    from programs.models import ListExport

    url = reverse("programs:list_export", args=[approved.pk])
    login(client, users["staff"])
    refused = client.post(url, {"purpose": "", "layout": "kecamatan"})
    assert refused.status_code == 200 and "purpose" in refused.context["form"].errors
    response = client.post(url, {"purpose": "lampiran SK Bupati", "layout": "kecamatan"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Purworejo"]
    assert book.properties.subject == "lampiran SK Bupati"
    rows = list(book["Purworejo"].iter_rows(values_only=True))
    assert "lampiran SK Bupati" in rows[2][0] and "oleh Staf " in rows[2][0]  # by name
    (family,) = rows[5:]
    row = approved.allocations.get().proposal_row
    assert family[:4] == (1, row.no_kk, row.nik, "'=HYPERLINK(1)")  # never a formula
    assert family[-3:] == (200_000, 3, 600_000)
    record = ListExport.objects.get()
    assert (record.exported_by, record.purpose, record.rows) == (
        users["staff"],
        "lampiran SK Bupati",
        1,
    )


def test_the_annex_per_desa_is_a_zip_and_operators_cannot_reach_it(client, users, approved):
    import io
    import zipfile

    url = reverse("programs:list_export", args=[approved.pk])
    response = login(client, users["head"]).post(url, {"purpose": "papan desa", "layout": "desa"})
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names == ["lampiran-bansosprov-v1-sindurjan-purworejo.xlsx"]  # desa names repeat
    assert login(client, users["village"]).get(url).status_code == 403


def test_the_notice_page_shows_names_and_masked_nik_per_desa_to_staff_and_the_village(
    client, users, approved
):
    url = reverse("programs:list_notice", args=[approved.pk])
    row = approved.allocations.get().proposal_row
    page = login(client, users["staff"]).get(url).content.decode()
    assert "Desa Sindurjan, Kecamatan Purworejo" in page
    assert row.nik not in page and row.nik[-4:] in page  # masked
    own = login(client, users["village"]).get(url).content.decode()
    assert "Desa Sindurjan" in own
    other = login(client, users["village_b"]).get(url).content.decode()
    assert "Sindurjan" not in other  # another village sees none of it
    assert login(client, users["desk"]).get(url).status_code == 403


def test_the_notice_board_prints_every_name_in_one_case(client, users, approved):
    """Names come as the operators typed them ("sugeng", "DAFFA"): the board prints them alike."""
    from programs.models import ListEntry

    ListEntry.objects.filter(recipients=approved).update(name="sugeng riyadi")
    page = login(client, users["staff"]).get(reverse("programs:list_notice", args=[approved.pk]))
    html = page.content.decode()
    assert "SUGENG RIYADI" in html and "sugeng riyadi" not in html


def test_the_head_checks_but_does_not_make(client, users, approved):
    round_ = approved.round
    head = login(client, users["head"])
    assert head.get(reverse("programs:round", args=[round_.pk])).status_code == 200
    for url, data in [
        (reverse("programs:round_save", args=[round_.pk]), {}),
        (reverse("programs:round_revalidate", args=[round_.pk]), {}),
        (reverse("programs:list_prepare", args=[round_.pk]), {"program": "BANSOSPROV"}),
        (reverse("programs:allocation_move", args=[approved.allocations.get().pk]), {}),
    ]:
        assert head.post(url, data).status_code == 403


def test_a_list_is_prepared_only_for_a_target_of_the_round_and_jps_by_phase(
    client, users, approved
):
    url = reverse("programs:list_prepare", args=[approved.round.pk])
    staff = login(client, users["staff"])
    assert staff.post(url, {"program": "BST"}).status_code == 404  # not a target of the round
    assert staff.post(url, {"program": "BANSOSPROV", "phase": "1"}).status_code == 403


def _rules(round_, **changes) -> dict:
    """The edit form as a user posts it: the round as they loaded it, with their changes."""
    from programs.rounds.forms import RoundForm

    data = {k: v for k, v in RoundForm.initial_for(round_).items() if v is not None}
    data.update(changes)
    return data


@pytest.fixture
def open_round(users, doubtful_run):
    from programs import rounds
    from programs.models import Program

    return rounds.create_round(
        rounds.Rules(
            name="JPS Desember 2026",
            run=doubtful_run,
            targets=[
                (Program.objects.get(code="BANSOSPROV"), 10, None),
                (Program.objects.get(code="JPSKAB"), None, 7_500_000),
            ],
            order="desil",
            kecamatan_shares=False,
            allowed_pairs=[],
        ),
        by=users["staff"],
    )


def test_two_staff_editing_one_round_the_later_save_is_told_what_changed(client, users, open_round):
    from households.models import User

    other = User.objects.create_user("staf2", password="x", role=User.Role.STAFF)
    url = reverse("programs:round_edit", args=[open_round.pk])
    rina_form = _rules(open_round, budget_JPSKAB=9_000_000)  # both load revision 1
    budi_form = _rules(open_round, places_BANSOSPROV=12, order="village_first")

    login(client, users["staff"]).post(url, rina_form)
    open_round.refresh_from_db()
    assert open_round.revision == 2

    login(client, other)
    page = client.post(url, budi_form, follow=True)
    text = page.content.decode()
    assert "Tidak disimpan" in text
    assert "JPSKAB anggaran (Rp): 7.500.000 → 9.000.000" in text  # what Rina changed
    assert "Staf mengubah putaran ini" in text  # and who, by name
    open_round.refresh_from_db()
    assert [(t.program.code, t.places, t.budget) for t in open_round.targets.all()] == [
        ("BANSOSPROV", 10, None),  # Budi's change did not overwrite Rina's
        ("JPSKAB", None, 9_000_000),
    ]
    assert page.context["form"]["seen"].value() == 2  # he starts again from the round as it is

    client.post(url, _rules(open_round, places_BANSOSPROV=12))
    open_round.refresh_from_db()
    assert open_round.targets.get(program__code="BANSOSPROV").places == 12
    assert open_round.targets.get(program__code="JPSKAB").budget == 9_000_000


def test_saving_a_proposal_whose_rules_changed_meanwhile_is_refused(client, users, open_round):
    login(client, users["staff"])
    client.post(
        reverse("programs:round_edit", args=[open_round.pk]),
        _rules(open_round, allowed=["BANSOSPROV+PKH"]),  # SLAMET, on PKH, now has a place
    )
    page = client.post(
        reverse("programs:round_save", args=[open_round.pk]), {"seen": 1}, follow=True
    )
    assert "Tidak disimpan" in page.content.decode()
    assert not Allocation.objects.exists()
    client.post(reverse("programs:round_save", args=[open_round.pk]), {"seen": 2})
    assert [a.target.code for a in open_round.allocations.all()] == ["BANSOSPROV"]


def test_a_target_other_than_the_province_and_jps_can_be_part_of_a_round(
    client, users, doubtful_run
):
    from programs.models import Program

    Program.objects.create(
        code="SANTUNAN", name="Santunan Kematian", level="kabupaten", funding="apbd",
        benefit_per_month=1_000_000, months=1,
    )  # fmt: skip
    login(client, users["staff"]).post(
        reverse("programs:rounds"),
        {
            "name": "Santunan 2026",
            "run": doubtful_run.pk,
            "places_SANTUNAN": 5,
            "order": "desil",
            "allowed": ["PKH+SANTUNAN"],
        },
    )
    round_ = AllocationRound.objects.get()
    assert [(t.program.code, t.places) for t in round_.targets.all()] == [("SANTUNAN", 5)]
    page = client.get(reverse("programs:round", args=[round_.pk]))
    assert page.context["rows"] == [("Purworejo", [1])]  # SLAMET, on PKH, allowed with it


def test_a_round_needs_at_least_one_target(client, users, doubtful_run):
    page = login(client, users["staff"]).post(
        reverse("programs:rounds"), {"name": "X", "run": doubtful_run.pk, "order": "desil"}
    )
    assert page.status_code == 200 and page.context["form"].non_field_errors()
    assert not AllocationRound.objects.exists()


def test_each_version_of_a_list_stays_readable_with_what_changed(client, users, approved):
    from programs import rounds
    from programs.models import Allocation, ProposalRow

    family = Allocation.objects.get()
    Allocation.objects.filter(pk=family.pk).update(status="returned")  # leaves the list
    second = rounds.prepare_list(
        approved.round, approved.target, None, by=users["staff"], reason="pindah domisili"
    )
    ProposalRow.objects.filter(pk=family.proposal_row_id).update(name="NAMA BARU")

    login(client, users["head"])
    first_page = client.get(reverse("programs:list", args=[approved.pk])).content.decode()
    assert "=HYPERLINK(1)" in first_page  # version 1 as it was approved, not the row's new name
    assert "NAMA BARU" not in first_page
    assert family.household.head_nik not in first_page  # NIK masked

    page = client.get(reverse("programs:list", args=[second.pk]))
    assert page.context["added_count"] == 0 and page.context["removed_count"] == 1
    assert list(page.context["removed"]) == [family.household]
    assert "pindah domisili" in page.content.decode()
    assert reverse("programs:list", args=[approved.pk]) in page.content.decode()

    assert (
        login(client, users["village"])
        .get(reverse("programs:list", args=[approved.pk]))
        .status_code
        == 403
    )


def test_staff_place_a_left_out_family_by_an_override_before_saving(client, users, open_round):
    from programs.models import ProposalRow

    slamet = ProposalRow.objects.get(name="SLAMET RIYADI")
    login(client, users["staff"])
    page = client.get(reverse("programs:round_left_out", args=[open_round.pk]))
    (row, why, holds) = page.context["page"][0]
    assert (row, holds) == (slamet, ["PKH"]) and "PKH" in why
    assert slamet.nik not in page.content.decode()  # masked

    mangled = client.post(
        reverse("programs:round_override", args=[open_round.pk]), {"row": "1; drop", "seen": 1}
    )
    assert mangled.status_code == 404  # no such row: said, not a server error
    reason = "PKH berhenti Oktober 2026 (surat pendamping)"
    client.post(
        reverse("programs:round_override", args=[open_round.pk]),
        {"row": slamet.pk, "to": "BANSOSPROV", "reason": reason, "seen": 1},
    )
    preview = client.get(reverse("programs:round", args=[open_round.pk]))
    assert preview.context["rows"] == [("Purworejo", [1, 0])]
    client.post(reverse("programs:round_save", args=[open_round.pk]), {"seen": 2})
    allocation = Allocation.objects.get()
    assert (allocation.target.code, allocation.excluded_by, allocation.override_reason) == (
        "BANSOSPROV",
        "PKH",
        reason,
    )
    head = login(client, users["head"])
    assert (
        head.post(
            reverse("programs:round_override", args=[open_round.pk]), {"row": slamet.pk}
        ).status_code
        == 403
    )  # the head checks, never makes


def test_the_provincial_quota_exports_as_the_provinces_proposal_file(client, users, approved):
    import io

    import openpyxl

    from programs.models import Allocation
    from programs.rounds.list_exports import PROVINCE_HEADERS

    url = reverse("programs:list_export", args=[approved.pk])
    response = login(client, users["staff"]).post(
        url, {"purpose": "usulan kuota Bansos Provinsi", "layout": "provinsi"}
    )
    assert response["Content-Disposition"].endswith('-v1.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["USULAN", "REKAP"]
    rows = [[c.value for c in row] for row in book["USULAN"].iter_rows()]
    header = rows.index(PROVINCE_HEADERS)
    (family,) = rows[header + 1 :]
    household = Allocation.objects.get().household
    assert family[:9] == [
        1,
        "33.06.06.1001",
        "Jawa Tengah",
        "Kabupaten Purworejo",
        "Purworejo",
        "Sindurjan",
        household.no_kk,
        household.head_nik,
        "'=HYPERLINK(1)",  # formula-safe
    ]
    assert family[-1] == "Kelurahan Sindurjan"  # who proposed it
    assert [c.value for c in book["REKAP"][2]] == ["Purworejo", "Sindurjan", 1]
    assert "usulan kuota Bansos Provinsi" in rows[2][0]  # who, when and why


def test_only_the_provincial_quota_offers_the_province_file(client, users, approved):
    from programs.models import Program
    from programs.rounds.forms import ExportForm

    jps = Program.objects.get(code="JPSKAB")
    form = ExportForm({"purpose": "lampiran SK", "layout": "provinsi"}, target=jps)
    assert not form.is_valid() and "layout" in form.errors


def test_saving_runs_in_the_background_and_the_page_follows_it(
    client, users, open_round, monkeypatch
):
    import datetime

    from django.utils import timezone

    from programs import rounds
    from programs.models import AllocationRound

    AllocationRound.objects.filter(pk=open_round.pk).update(saving_since=timezone.now())
    url = reverse("programs:round", args=[open_round.pk])
    login(client, users["staff"])
    with monkeypatch.context() as patched:  # the worker plans it: the page does not again
        patched.setattr(rounds, "plan_round", lambda *a, **k: pytest.fail("planned twice"))
        page = client.get(url).content.decode()
    assert "Menyimpan alokasi" in page and 'hx-trigger="every 2s"' in page
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "Menyimpan alokasi" in polled.content.decode()
    # Meanwhile nobody changes the rules or saves twice.
    edited = client.post(
        reverse("programs:round_edit", args=[open_round.pk]),
        _rules(open_round, places_BANSOSPROV=3),
        follow=True,
    )
    assert "tidak dapat diubah lagi" in edited.content.decode()
    assert open_round.targets.get(program__code="BANSOSPROV").places == 10

    # A save whose task was lost (the broker went down) may be started again after a while.
    long_ago = timezone.now() - datetime.timedelta(minutes=11)
    AllocationRound.objects.filter(pk=open_round.pk).update(saving_since=long_ago)
    assert "Simpan alokasi ini" in client.get(url).content.decode()

    AllocationRound.objects.filter(pk=open_round.pk).update(saving_since=None)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"  # saved: the whole page shows the allocation


def test_a_failed_save_says_so_and_can_be_tried_again(client, users, open_round, monkeypatch):
    from django.utils import timezone

    from programs import rounds
    from programs.models import AllocationRound

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    AllocationRound.objects.filter(pk=open_round.pk).update(saving_since=timezone.now())
    with monkeypatch.context() as patched, pytest.raises(RuntimeError):  # the worker's task
        patched.setattr("programs.rounds.plan.save_plan", broken)
        rounds.save_round(open_round.pk, users["staff"].pk)
    login(client, users["staff"])
    page = client.get(reverse("programs:round", args=[open_round.pk])).content.decode()
    assert "tidak ada yang tersimpan" in page and "Simpan alokasi ini" in page

    open_round.allowed_pairs = [["BANSOSPROV", "PKH"]]  # so that SLAMET has a place
    open_round.save()
    client.post(reverse("programs:round_save", args=[open_round.pk]), {"seen": 1})
    open_round.refresh_from_db()
    assert not open_round.saving and not open_round.save_error
    assert [a.target.code for a in open_round.allocations.all()] == ["BANSOSPROV"]


def test_a_save_that_stopped_three_workers_is_given_up_with_the_reason(
    client, users, open_round, monkeypatch
):
    from django.utils import timezone

    from programs import rounds
    from programs.models import AllocationRound

    AllocationRound.objects.filter(pk=open_round.pk).update(
        saving_since=timezone.now(),
        save_attempts=rounds.MAX_SAVE_ATTEMPTS,  # three lost
    )
    monkeypatch.setattr(
        "programs.rounds.plan.save_plan", lambda *a, **k: pytest.fail("saved a fourth time")
    )

    rounds.save_round(open_round.pk, users["staff"].pk)  # the task, delivered again

    open_round.refresh_from_db()
    assert not open_round.saving and not open_round.allocations.exists()
    assert "menghentikan proses server 3 kali" in open_round.save_error
    page = login(client, users["staff"]).get(reverse("programs:round", args=[open_round.pk]))
    assert "menghentikan proses server 3 kali" in page.content.decode()
    assert "Simpan alokasi ini" in page.content.decode()  # and it can be tried again


def test_a_family_with_an_open_complaint_is_marked_where_staff_move_it(client, users, approved):
    from complaints import desk
    from complaints.models import Category, Complaint

    allocation = approved.allocations.get()
    complaint = desk.log(
        by=users["desk"],
        channel=Complaint.Channel.WALK_IN,
        category=Category.objects.get(name="Salah sasaran (inclusion error)"),
        complainant_name="Tetangga",
        household=allocation.household,
        story="Keluarga ini mampu.",
    )
    url = reverse("programs:round_families", args=[approved.round_id])
    page = login(client, users["staff"]).get(url).content.decode()
    assert "pengaduan terbuka" in page
    # The badge leads to the family's complaints, which staff open.
    family = reverse("households:detail", args=[allocation.household_id])
    assert f'href="{family}#complaints"' in page
    assert complaint.ticket in client.get(family).content.decode()
    # The desk sees the allocation on the complaint.
    page = login(client, users["desk"]).get(reverse("complaints:detail", args=[complaint.pk]))
    assert f"{approved.round.name} · BANSOSPROV" in page.content.decode()
    desk.move(complaint, "rejected", by=users["desk"], note="Sudah diverifikasi: layak")
    assert "pengaduan terbuka" not in login(client, users["staff"]).get(url).content.decode()


def test_a_list_approved_before_lists_were_frozen_gets_its_families_back(approved):
    """Migration 0013: entries for a list approved before they were written."""
    import importlib

    from django.apps import apps

    from programs import rounds

    before = set(rounds.families(approved).values_list("pk", flat=True))
    kept = list(approved.entries.values_list("household", "nik", "name").order_by("household"))
    approved.entries.all().delete()
    assert not rounds.families(approved).exists()  # what an earlier approval left

    importlib.import_module("programs.migrations.0013_entries_of_earlier_approved_lists").freeze(
        apps, None
    )
    assert set(rounds.families(approved).values_list("pk", flat=True)) == before
    assert (
        list(approved.entries.values_list("household", "nik", "name").order_by("household")) == kept
    )


def test_the_heads_home_page_lists_what_waits_for_approval(client, users, prepared):
    from programs import rounds

    home = login(client, users["head"]).get(reverse("home")).content.decode()
    assert reverse("programs:list", args=[prepared.pk]) in home
    assert "Bansos Desember 2026 · BANSOSPROV · versi 1" in home

    rounds.approve(prepared, by=users["head"])
    home = client.get(reverse("home")).content.decode()
    assert reverse("programs:list", args=[prepared.pk]) not in home
