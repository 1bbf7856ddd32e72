"""The cross-check pages: starting a run, its result, the review queue; who may see them."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from dedup.models import Result, ReviewPair, Run
from programs.models import ProposalBatch, ProposalRow, RosterRow

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_staff_start_a_run_of_the_submitted_proposals(client, users, doubtful_run):
    batch = ProposalBatch.objects.get()
    batch.status = ProposalBatch.Status.SUBMITTED
    batch.save()
    page = login(client, users["staff"]).get(reverse("dedup:runs"))
    assert page.status_code == 200
    assert page.context["form"].initial["batches"] == [batch.pk]  # ticked for them

    response = client.post(
        reverse("dedup:runs"),
        {"batches": [batch.pk], "versions": [v.pk for v in doubtful_run.roster_versions.all()]}
        | {"same": 90, "review": 70},
    )
    run = Run.objects.exclude(pk=doubtful_run.pk).get()
    assert response.url == reverse("dedup:run", args=[run.pk])
    assert run.status == Run.Status.DONE and run.thresholds == {"same": 90, "review": 70}
    assert run.created_by == users["staff"]


def test_thresholds_out_of_order_are_refused_with_a_reason(client, users, doubtful_run):
    response = login(client, users["staff"]).post(
        reverse("dedup:runs"),
        {"batches": [ProposalBatch.objects.get().pk], "same": 70, "review": 90},
    )
    assert response.status_code == 200
    assert "Skor tinjauan tidak boleh lebih tinggi dari skor keluarga sama." in str(
        response.context["form"].errors
    )
    assert Run.objects.count() == 1


def test_run_page_counts_each_status_and_programme(client, users, doubtful_run):
    page = login(client, users["head"]).get(reverse("dedup:run", args=[doubtful_run.pk]))
    assert page.status_code == 200
    counts = {status: n for status, _label, n in page.context["statuses"]}
    assert (counts["in_roster"], counts["review"], counts["new"]) == (1, 1, 0)
    assert page.context["by_program"] == [("PKH", 1)]
    assert [(label, n) for label, n, _status, _step in page.context["funnel"]] == [
        ("diusulkan", 2),
        ("layak, sudah dipadankan", 2),
        ("menunggu keputusan", 1),
        ("diusulkan ganda", 0),
        ("lanjut ke alokasi", 1),  # SLAMET: the round's rules decide what PKH excludes
        ("baru", 0),
        ("sudah terdaftar di program", 1),
    ]
    assert page.context["open_pairs"] == 1
    ((_pk, name, by_status),) = page.context["kecamatan"]
    assert name == "Purworejo" and dict(by_status)["review"] == 1

    listed = client.get(reverse("dedup:results", args=[doubtful_run.pk]), {"program": "PKH"})
    assert [r.proposal_row.name for r in listed.context["page"]] == ["SLAMET RIYADI"]
    assert (
        b"SLAMET RIYADI" in listed.content
        and listed.context["page"][0].proposal_row.nik[4:12].encode() not in listed.content
    )  # NIK masked in the list


def test_result_downloads_as_the_contract_csv(client, users, doubtful_run):
    response = login(client, users["staff"]).get(
        reverse("dedup:result_csv", args=[doubtful_run.pk])
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["row"], r["status"], r["programs"], r["matches"]) for r in rows] == [
        ("1", "in_roster", "PKH", "PKH:1"),
        ("2", "review", "", "BST:7"),
    ]


def test_a_decision_settles_the_result_and_is_kept_with_who(client, users, doubtful_run):
    pair = ReviewPair.objects.get()
    login(client, users["staff"])
    queue = client.get(reverse("dedup:review"))
    assert queue.context["pair"] == pair
    assert "1 pasangan menunggu keputusan" in queue.content.decode()  # how long the queue is
    response = client.post(reverse("dedup:pair_decide", args=[pair.pk]), {"same_family": "1"})
    assert response.status_code == 302

    pair.refresh_from_db()
    assert (pair.same_family, pair.decided_by) == (True, users["staff"])
    assert pair.history.first().history_user == users["staff"]
    result = Result.objects.get(proposal_row=pair.proposal_row)
    assert (result.status, result.programs, result.matches) == ("in_roster", "BST", "BST:7")
    assert client.get(reverse("dedup:review")).context["pair"] is None
    again = client.post(reverse("dedup:pair_decide", args=[pair.pk]), {"same_family": "0"})
    assert again.status_code == 404  # decided once


def test_ruling_out_the_only_doubt_makes_the_family_new(client, users, doubtful_run):
    pair = ReviewPair.objects.get()
    login(client, users["head"]).post(
        reverse("dedup:pair_decide", args=[pair.pk]),
        {"same_family": "0", "note": "NIK berbeda orang, dicek di KTP"},
        HTTP_HX_REQUEST="true",
    )
    result = Result.objects.get(proposal_row=pair.proposal_row)
    assert (result.status, result.matches, result.score) == ("new", "", None)
    assert ReviewPair.objects.get().note == "NIK berbeda orang, dicek di KTP"


def test_a_decision_without_a_choice_is_refused(client, users, doubtful_run):
    pair = ReviewPair.objects.get()
    response = login(client, users["staff"]).post(reverse("dedup:pair_decide", args=[pair.pk]))
    assert response.status_code == 200 and response.context["form"].errors
    assert ReviewPair.objects.get().same_family is None


@pytest.mark.parametrize("role", ["village", "agency", "desk"])
def test_operators_and_the_desk_cannot_open_the_cross_check(client, users, doubtful_run, role):
    login(client, users[role])
    assert client.get(reverse("dedup:runs")).status_code == 403
    assert client.get(reverse("dedup:review")).status_code == 403
    assert client.get(reverse("dedup:run", args=[doubtful_run.pk])).status_code == 403
    assert client.get(reverse("dedup:result_csv", args=[doubtful_run.pk])).status_code == 403
    pair = ReviewPair.objects.get()
    assert (
        client.post(reverse("dedup:pair_decide", args=[pair.pk]), {"same_family": "1"}).status_code
        == 403
    )
    assert ReviewPair.objects.get().same_family is None


def test_deciding_needs_a_post(client, users, doubtful_run):
    pair = ReviewPair.objects.get()
    login(client, users["staff"])
    assert client.get(reverse("dedup:pair_decide", args=[pair.pk])).status_code == 405


def test_threshold_change_shows_what_would_move_before_it_is_saved(client, users, doubtful_run):
    from dedup.models import MatchSettings

    login(client, users["staff"])
    # The doubtful pair scored 80: with "same family from 80" it would become a match.
    preview = client.post(reverse("dedup:settings"), {"same": 80, "review": 70, "preview": ""})
    assert preview.context["effect"] == [("tinjauan", "keluarga sama", 1)]
    assert MatchSettings.current().same == 90  # nothing saved yet
    unchanged = client.post(reverse("dedup:settings"), {"same": 95, "review": 75, "preview": ""})
    assert unchanged.context["effect"] == []  # 100 stays a match, 80 stays in review

    client.post(reverse("dedup:settings"), {"same": 80, "review": 60, "save": ""})
    saved = MatchSettings.current()
    assert (saved.same, saved.review, saved.updated_by) == (80, 60, users["staff"])
    assert saved.history.first().history_user == users["staff"]
    assert client.get(reverse("dedup:runs")).context["form"].initial["same"] == 80


def test_the_head_may_look_at_the_effect_but_not_change_the_thresholds(client, users, doubtful_run):
    from dedup.models import MatchSettings

    login(client, users["head"])
    assert client.post(reverse("dedup:settings"), {"same": 80, "review": 70}).status_code == 200
    refused = client.post(reverse("dedup:settings"), {"same": 80, "review": 70, "save": ""})
    assert refused.status_code == 403 and MatchSettings.current().same == 90


def test_operators_see_what_became_of_their_own_families(client, users, doubtful_run):
    page = login(client, users["village"]).get(
        reverse("programs:batch", args=[ProposalBatch.objects.get().pk])
    )
    assert +page.context["outcomes"] == {"in_roster": 1, "review": 1, "going_on": 1}
    text = page.content.decode()
    assert "Hasil pemadanan" in text and "NIK sama + nama sama" in text
    outcome = {
        r.proposal_row.name: (r.status, r.programs) for r in page.context["outcome_of"].values()
    }
    assert outcome == {"SLAMET RIYADI": ("in_roster", "PKH"), "SUPARNO": ("review", "")}
    # Another village's operator never reaches the batch.
    other = login(client, users["village_b"]).get(
        reverse("programs:batch", args=[ProposalBatch.objects.get().pk])
    )
    assert other.status_code == 404


def test_result_downloads_as_xlsx_for_people_without_identity_numbers(client, users, doubtful_run):
    import openpyxl

    response = login(client, users["staff"]).get(
        reverse("dedup:result_xlsx", args=[doubtful_run.pk])
    )
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    contract = ["row", "status", "programs", "matches", "score", "reason"]
    assert rows[0] == [*contract, "diusulkan oleh", "nama", "desa", "dihitung sebagai"]
    assert rows[1] == [
        1, "in_roster", "PKH", "PKH:1", 100, "NIK sama + nama sama",
        "Kelurahan Sindurjan", "SLAMET RIYADI", "Sindurjan", "sudah terdaftar di program",
    ]  # fmt: skip
    nik = ProposalRow.objects.get(row_number=1).nik
    assert nik not in str(rows)
    assert (
        login(client, users["desk"])
        .get(reverse("dedup:result_xlsx", args=[doubtful_run.pk]))
        .status_code
        == 403
    )


def test_a_run_whose_worker_was_lost_is_offered_to_resume(client, users, doubtful_run, settings):
    # The worker stopped before writing its chunk: nothing of it is in the run.
    chunk = doubtful_run.chunks.get()
    doubtful_run.results.all().delete()
    chunk.done = False
    chunk.save()
    Run.objects.filter(pk=doubtful_run.pk).update(status=Run.Status.RUNNING, rows_done=0)
    login(client, users["staff"])
    page = client.get(reverse("dedup:run", args=[doubtful_run.pk]))
    assert "Lanjutkan pemadanan" not in page.content.decode()  # it may only be busy

    settings.DEDUP_STALLED_AFTER = datetime.timedelta(0)  # nobody touched it for that long
    page = client.get(reverse("dedup:run", args=[doubtful_run.pk]), headers={"HX-Request": "true"})
    assert "pekerja yang menjalankannya mungkin berhenti" in page.content.decode()
    client.post(reverse("dedup:run_resume", args=[doubtful_run.pk]))
    doubtful_run.refresh_from_db()
    assert doubtful_run.status == Run.Status.DONE and doubtful_run.rows_done == 2


def test_review_shows_the_mistyped_digit_but_never_the_whole_number(client, users, doubtful_run):
    pair = ReviewPair.objects.get()
    proposed = pair.proposal_row.nik
    typed = proposed[:8] + str((int(proposed[8]) + 1) % 10) + proposed[9:]  # the 9th digit
    RosterRow.objects.filter(pk=pair.roster_row_id).update(nik=typed)

    page = login(client, users["staff"]).get(reverse("dedup:review")).content.decode()
    assert f"{proposed[:4]}****<mark>{proposed[8]}</mark>***{proposed[-4:]}" in page
    assert f"{typed[:4]}****<mark>{typed[8]}</mark>***{typed[-4:]}" in page
    assert proposed not in page and typed not in page


def test_a_kecamatan_opens_its_desa_and_each_count_its_families(
    client, users, doubtful_run, regions
):
    login(client, users["staff"])
    run_page = reverse("dedup:run", args=[doubtful_run.pk])
    ((kecamatan, _name, _counts),) = client.get(run_page).context["kecamatan"]
    page = client.get(run_page, {"kecamatan": kecamatan})
    assert page.context["chosen"] == "Purworejo"
    ((desa, name, counts),) = page.context["desa"]
    assert (desa, name) == (regions["desa_a"].pk, regions["desa_a"].name)
    assert (dict(counts)["in_roster"], dict(counts)["review"]) == (1, 1)
    assert f"?status=review&amp;desa={desa}" in page.content.decode()

    results = reverse("dedup:results", args=[doubtful_run.pk])
    listed = client.get(results, {"status": "review", "desa": desa}).context["page"]
    assert [r.proposal_row.name for r in listed] == ["SUPARNO"]
    elsewhere = client.get(results, {"desa": regions["desa_b"].pk}).context["page"]
    assert list(elsewhere) == []


def test_a_family_on_several_rosters_reads_as_a_list(client, users, doubtful_run):
    Result.objects.filter(status="in_roster").update(programs="BST;PKH", matches="BST:7;PKH:1")
    operator = login(client, users["village"]).get(
        reverse("programs:batch", args=[ProposalBatch.objects.get().pk])
    )
    assert "BST, PKH" in operator.content.decode()
    staff = login(client, users["staff"]).get(
        reverse("dedup:results", args=[doubtful_run.pk]), {"status": "in_roster"}
    )
    assert "<td>BST, PKH</td><td>BST:7, PKH:1</td>" in staff.content.decode()


def test_the_next_page_of_a_filtered_list_keeps_its_filters(client, users, doubtful_run, regions):
    batch = ProposalBatch.objects.get()
    rows = ProposalRow.objects.bulk_create(
        ProposalRow(batch=batch, row_number=n, name=f"WARGA {n}", desa=regions["desa_a"])
        for n in range(10, 70)
    )
    Result.objects.bulk_create(
        Result(run=doubtful_run, proposal_row=row, status="new") for row in rows
    )
    login(client, users["staff"])
    listed = client.get(
        reverse("dedup:results", args=[doubtful_run.pk]),
        {"status": "new", "desa": regions["desa_a"].pk},
    )
    link = f'href="?status=new&amp;desa={regions["desa_a"].pk}&amp;page=2"'
    assert link in listed.content.decode()
    second = client.get(
        reverse("dedup:results", args=[doubtful_run.pk]),
        {"status": "new", "desa": regions["desa_a"].pk, "page": 2},
    )
    assert [r.status for r in second.context["page"]] == ["new"] * 10
