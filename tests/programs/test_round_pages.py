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
            "provincial_places": 10,
            "jps_budget": 7_500_000,
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
    assert [(t.program.code, n, cost) for t, n, cost in page.context["totals"]] == [
        ("BANSOSPROV", 1, 600_000),
        ("JPSKAB", 0, 0),
    ]
    assert not Allocation.objects.exists()  # nothing saved by looking

    client.post(reverse("programs:round_save", args=[round_.pk]))
    client.post(reverse("programs:round_save", args=[round_.pk]))  # a second click
    assert Allocation.objects.count() == 1
    assert client.get(response.url).context["saved"]


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
def approved(users, doubtful_run):
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
    listed = rounds.prepare_list(round_, province, None, by=users["staff"])
    return rounds.approve(listed, by=users["head"])


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
    assert "lampiran SK Bupati" in rows[2][0] and "staf" in rows[2][0]
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
