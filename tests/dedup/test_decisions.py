"""What a reviewer's decision does to a family's result, in this run, in other runs and in
later ones; the result files staff download; the run's list, resume and threshold pages."""

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dedup import pipeline, views
from dedup.engine.match import DECIDED_SAME
from dedup.models import MatchSettings, Result, ReviewPair, Run
from programs.models import ProposalBatch, ProposalRow, RosterRow, RosterVersion
from tests.conftest import make_nik, make_no_kk, program

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("run_on_commit")]


def typo(number: str, *avoid: str) -> str:
    """The NIK or No. KK with its last digit mistyped, and none of `avoid`."""
    return next(number[:-1] + d for d in "0123456789" if number[:-1] + d not in (number, *avoid))


def propose(batch, row: int, nik: str, no_kk: str, desa) -> ProposalRow:
    return ProposalRow.objects.create(
        batch=batch, row_number=row, nik=nik, no_kk=no_kk, name="SUPARNO", desa=desa
    )


@pytest.fixture
def twice(users, units, regions, run_on_commit):
    """SUPARNO proposed twice by the village, the second time with mistyped numbers, and a BST
    listing (NIK and name only) one more digit off: row 2 waits on BST:7 and on row 1, row 1
    on BST:7."""
    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan Sindurjan", created_by=users["village"]
    )
    first = propose(batch, 1, make_nik(), make_no_kk(), regions["desa_a"])
    # Moved to Grabag; both numbers typed one digit off (two cards apart would be two families).
    second = propose(batch, 2, typo(first.nik), typo(first.no_kk), regions["desa_b"])
    bst = RosterVersion.objects.create(program=program("BST"), period="2026")
    listed = typo(first.nik, second.nik)
    RosterRow.objects.create(version=bst, row_number=7, nik=listed, name="SUPARNO")
    bst.activate()
    return pipeline.start_run(batches=[batch], user=users["staff"])


def pair_of(run, row: int, against: str) -> ReviewPair:
    """The open pair of proposal row `row`, against a roster ("BST") or a proposal ("USULAN")."""
    pairs = run.pairs.filter(proposal_row__row_number=row)
    if against == "USULAN":
        return pairs.get(other_proposal__isnull=False)
    return pairs.get(roster_row__version__program__code=against)


def result_of(run, row: int) -> Result:
    return Result.objects.get(run=run, proposal_row__row_number=row)


def summary(result: Result) -> tuple:
    return (result.status, result.programs, result.matches, result.score, result.reason)


# --- Each outcome of a decision ---------------------------------------------------------------


def test_the_run_waits_on_both_the_roster_and_the_earlier_row(twice):
    assert summary(result_of(twice, 2))[:3] == ("review", "", "BST:7;USULAN:1")
    assert result_of(twice, 1).matches == "BST:7"
    assert twice.pairs.open().count() == 3


def test_same_family_as_an_earlier_row_is_proposed_twice_and_the_roster_doubt_stays_open(
    users, twice
):
    pair_of(twice, 2, "USULAN").decide(same_family=True, by=users["staff"])

    assert summary(result_of(twice, 2)) == ("duplicate_in_batch", "", "USULAN:1", 100, DECIDED_SAME)
    assert twice.pairs.open().filter(proposal_row__row_number=2).get().roster_row.row_number == 7
    # Row 1's own doubt is another question: untouched.
    assert result_of(twice, 1).status == "review" and pair_of(twice, 1, "BST").same_family is None


def test_same_family_on_a_roster_and_proposed_before_is_on_the_roster_and_names_both(users, twice):
    pair_of(twice, 2, "USULAN").decide(same_family=True, by=users["staff"])
    pair_of(twice, 2, "BST").decide(same_family=True, by=users["head"])

    # The contract: in_roster before duplicate_in_batch, matches list the roster then the row.
    assert summary(result_of(twice, 2)) == ("in_roster", "BST", "BST:7;USULAN:1", 100, DECIDED_SAME)


def test_ruling_out_the_roster_leaves_the_family_waiting_only_on_the_earlier_row(users, twice):
    earlier = pair_of(twice, 2, "USULAN")
    pair_of(twice, 2, "BST").decide(same_family=False, by=users["staff"])

    assert summary(result_of(twice, 2)) == ("review", "", "USULAN:1", earlier.score, earlier.reason)
    earlier.decide(same_family=False, by=users["staff"])
    assert summary(result_of(twice, 2)) == ("new", "", "", None, "")


def test_same_family_as_another_proposals_row_names_that_proposal_and_row(
    users, units, regions, run_on_commit
):
    village, agency = (
        ProposalBatch.objects.create(unit=units[unit], title=unit, created_by=users["staff"])
        for unit in ("village_a", "agency")
    )
    first = propose(village, 1, make_nik(), make_no_kk(), regions["desa_a"])
    propose(agency, 1, typo(first.nik), typo(first.no_kk), regions["desa_b"])
    run = pipeline.start_run(batches=[village, agency], user=users["staff"])
    later = run.pairs.get(proposal_row__batch=agency)
    assert later.other_proposal == first

    later.decide(same_family=True, by=users["staff"])
    result = Result.objects.get(run=run, proposal_row__batch=agency)
    expected = ("duplicate_in_batch", "", f"USULAN:{village.pk}-1", 100, DECIDED_SAME)
    assert summary(result) == expected


def test_a_pair_decided_twice_is_refused_with_its_message_and_the_first_word_stands(
    users, doubtful_run
):
    pair = ReviewPair.objects.get()
    stale = ReviewPair.objects.get()  # the same pair, open on a colleague's screen
    pair.decide(same_family=True, note="KTP dicek", by=users["staff"])

    with pytest.raises(ValidationError) as refused:
        stale.decide(same_family=False, by=users["head"])
    assert refused.value.messages == ["Pasangan ini sudah diputuskan."]
    pair.refresh_from_db()
    assert (pair.same_family, pair.decided_by, pair.note) == (True, users["staff"], "KTP dicek")
    assert result_of(doubtful_run, 2).status == "in_roster"


def test_each_decision_is_in_the_history_with_who_when_and_the_note(users, doubtful_run):
    again = pipeline.start_run(batches=[ProposalBatch.objects.get()], user=users["staff"])
    pair = ReviewPair.objects.get(run=doubtful_run)
    before = timezone.now()
    pair.decide(same_family=False, note="beda orang, dicek di KTP", by=users["head"])

    pairs = ReviewPair.objects.order_by("run_id")  # this run's pair and its twin in the other
    assert [pair.run for pair in pairs] == [doubtful_run, again]
    for pair in pairs:
        assert (pair.same_family, pair.decided_by) == (False, users["head"])
        assert before <= pair.decided_at <= timezone.now()
        entry = pair.history.first()
        assert (entry.history_type, entry.history_user) == ("~", users["head"])
        assert (entry.same_family, entry.note) == (False, "beda orang, dicek di KTP")


# --- Decisions remembered for later runs ------------------------------------------------------


def test_a_same_family_decision_holds_in_a_later_run_without_asking(users, doubtful_run):
    ReviewPair.objects.get().decide(same_family=True, by=users["staff"])
    later = pipeline.start_run(batches=[ProposalBatch.objects.get()], user=users["staff"])

    assert summary(result_of(later, 2)) == ("in_roster", "BST", "BST:7", 100, DECIDED_SAME)
    assert not later.pairs.exists()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda: ProposalRow.objects.filter(row_number=2).update(rt="003"), id="rt"),
        pytest.param(
            lambda: RosterRow.objects.filter(row_number=7).update(mother_name="SAINEM"),
            id="roster",
        ),
    ],
)
def test_a_decision_is_asked_again_once_either_record_changes(users, doubtful_run, change):
    ReviewPair.objects.get().decide(same_family=False, by=users["staff"])
    change()
    later = pipeline.start_run(batches=[ProposalBatch.objects.get()], user=users["staff"])

    asked = later.pairs.get()
    assert asked.same_family is None and asked.roster_row.row_number == 7
    assert summary(result_of(later, 2))[:3] == ("review", "", "BST:7")


def test_the_twin_in_another_run_is_left_open_when_its_records_differ(users, doubtful_run):
    ProposalRow.objects.filter(row_number=2).update(rt="003")  # corrected after the first run
    later = pipeline.start_run(batches=[ProposalBatch.objects.get()], user=users["staff"])
    ReviewPair.objects.get(run=doubtful_run).decide(same_family=True, by=users["staff"])

    assert later.pairs.get().same_family is None
    assert result_of(later, 2).status == "review"


# --- The review page --------------------------------------------------------------------------


def test_the_reviewer_goes_through_the_queue_and_sees_how_many_pairs_are_left(login, users, twice):
    client = login(users["staff"])
    first, second, third = ReviewPair.objects.order_by("score", "pk")
    page = client.get(reverse("dedup:review"))
    assert page.context["pair"] == first and page.context["left"] == 3
    assert "3 pasangan menunggu keputusan" in page.content.decode()

    fragment = client.post(
        reverse("dedup:pair_decide", args=[first.pk]), {"same_family": "0"}, HTTP_HX_REQUEST="true"
    )
    text = fragment.content.decode()
    assert "2 pasangan menunggu keputusan" in text and "<html" not in text  # the pair's part
    assert reverse("dedup:pair_decide", args=[second.pk]) in text

    saved = client.post(
        reverse("dedup:pair_decide", args=[second.pk]), {"same_family": "0"}, follow=True
    )
    assert saved.redirect_chain == [(reverse("dedup:review"), 302)]
    assert "Keputusan disimpan." in saved.content.decode()
    assert (
        saved.context["pair"] == third and "1 pasangan menunggu keputusan" in saved.content.decode()
    )

    last = client.post(
        reverse("dedup:pair_decide", args=[third.pk]), {"same_family": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "Tidak ada yang menunggu keputusan." in last.content.decode()
    assert not ReviewPair.objects.open().exists()


def test_the_review_names_the_earlier_proposal_the_family_may_repeat(login, users, twice):
    pair = pair_of(twice, 2, "USULAN")
    ReviewPair.objects.exclude(pk=pair.pk).update(same_family=False)
    page = login(users["head"]).get(reverse("dedup:review")).content.decode()
    assert "Diusulkan sebelumnya (Kelurahan Sindurjan, baris 1)" in page


@pytest.fixture
def decided_meanwhile(monkeypatch, users, doubtful_run):
    """The pair as the reviewer opened it; a colleague decides it just before the click lands."""
    real = views.get_object_or_404

    def found_then_decided(queryset, **lookup):
        pair = real(queryset, **lookup)
        ReviewPair.objects.get(pk=pair.pk).decide(same_family=True, by=users["head"])
        return pair

    monkeypatch.setattr(views, "get_object_or_404", found_then_decided)
    return ReviewPair.objects.get()


def test_a_pair_a_colleague_decided_a_moment_ago_keeps_their_word_and_says_so(
    login, users, decided_meanwhile
):
    page = login(users["staff"]).post(
        reverse("dedup:pair_decide", args=[decided_meanwhile.pk]), {"same_family": "0"}, follow=True
    )
    assert "Pasangan ini sudah diputuskan." in page.content.decode()
    decided_meanwhile.refresh_from_db()
    assert (decided_meanwhile.same_family, decided_meanwhile.decided_by) == (True, users["head"])


def test_a_refused_decision_is_not_reported_as_saved(login, users, decided_meanwhile):
    page = login(users["staff"]).post(
        reverse("dedup:pair_decide", args=[decided_meanwhile.pk]), {"same_family": "0"}, follow=True
    )
    assert "Keputusan disimpan." not in page.content.decode()


# --- The result files -------------------------------------------------------------------------


@pytest.fixture
def listed_out_of_order(users, units, regions, run_on_commit):
    """Three new families whose rows were stored last to first; row 2's name and row 3's
    reason look like formulas, row 3 has no desa."""
    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan", created_by=users["village"]
    )
    for n, name, desa in [
        (3, "PAIJO", None),
        (2, '=HYPERLINK("http://x.test","SARNI")', regions["desa_a"]),
        (1, "SLAMET", regions["desa_b"]),
    ]:
        ProposalRow.objects.create(
            batch=batch, row_number=n, nik=make_nik(), no_kk=make_no_kk(), name=name, desa=desa
        )
    run = pipeline.start_run(batches=[batch], user=users["staff"])
    Result.objects.filter(proposal_row__row_number=3).update(reason="=cmd|' /C calc'!A0")
    Result.objects.filter(proposal_row__row_number=1).update(programs="+PKH", matches="-PKH:1")
    return run


def test_the_csv_has_the_contract_columns_one_row_per_proposal_row_in_the_files_order(
    login, users, listed_out_of_order
):
    response = login(users["staff"]).get(reverse("dedup:result_csv", args=[listed_out_of_order.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="pemadanan-{listed_out_of_order.pk}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["row", "status", "programs", "matches", "score", "reason"],
        ["1", "new", "'+PKH", "'-PKH:1", "", ""],
        ["2", "new", "", "", "", ""],
        ["3", "new", "", "", "", "'=cmd|' /C calc'!A0"],
    ]


def test_the_xlsx_adds_who_proposed_name_desa_and_count_and_keeps_formulas_as_text(
    login, users, listed_out_of_order
):
    response = login(users["head"]).get(reverse("dedup:result_xlsx", args=[listed_out_of_order.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Hasil"
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[1:] == [
        [1, "new", "'+PKH", "'-PKH:1", None, None, "Kelurahan Sindurjan", "SLAMET",
         "Harjobinangun", "baru"],
        [2, "new", None, None, None, None, "Kelurahan Sindurjan",
         '\'=HYPERLINK("http://x.test","SARNI")', "Sindurjan", "baru"],
        [3, "new", None, None, None, "'=cmd|' /C calc'!A0", "Kelurahan Sindurjan", "PAIJO",
         None, "baru"],
    ]  # fmt: skip
    written = repr(rows)
    for nik, no_kk in ProposalRow.objects.values_list("nik", "no_kk"):
        assert nik not in written and no_kk not in written


def test_the_xlsx_counts_a_later_listing_of_a_family_once(login, users, doubtful_run):
    # The family is on PKH, and proposed before in the run: the contract says in_roster,
    # the pages count it as proposed twice.
    Result.objects.filter(proposal_row__row_number=2).update(
        status="in_roster", programs="PKH", repeat=True
    )
    response = login(users["staff"]).get(reverse("dedup:result_xlsx", args=[doubtful_run.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    second = [cell.value for cell in list(sheet.iter_rows())[2]]
    assert (second[0], second[1], second[-1]) == (2, "in_roster", "diusulkan ganda")


# --- The run's pages --------------------------------------------------------------------------


@pytest.fixture
def many_results(doubtful_run, regions):
    """Beside SLAMET (PKH) and SUPARNO (review), in Purworejo: results on several rosters."""
    batch = ProposalBatch.objects.get()
    made = [
        ("PKH;BST", "in_roster", False, regions["desa_a"]),
        ("BST;PKH;DTKS", "in_roster", True, regions["desa_b"]),  # a later listing of a family
        ("PKHD", "in_roster", False, regions["desa_b"]),  # another code starting alike
        ("XPKH", "in_roster", False, regions["desa_a"]),
        ("", "new", False, regions["desa_b"]),
    ]
    for n, (programs, status, repeat, desa) in enumerate(made, start=10):
        row = ProposalRow.objects.create(batch=batch, row_number=n, name=f"WARGA {n}", desa=desa)
        Result.objects.create(
            run=doubtful_run, proposal_row=row, status=status, programs=programs, repeat=repeat
        )
    return doubtful_run


def listed(client, run, **filters) -> list[int]:
    page = client.get(reverse("dedup:results", args=[run.pk]), filters).context["page"]
    return [result.proposal_row.row_number for result in page]


def test_the_results_list_filters_by_outcome_programme_and_place(
    login, users, regions, many_results
):
    client = login(users["staff"])
    assert listed(client, many_results) == [1, 2, 10, 11, 12, 13, 14]
    assert listed(client, many_results, program="PKH") == [1, 10, 11]
    assert listed(client, many_results, status="in_roster") == [1, 10, 12, 13]
    assert listed(client, many_results, status="duplicate_in_batch") == [11]
    assert listed(client, many_results, status="in_roster", program="PKH") == [1, 10]
    grabag = regions["desa_b"].parent_id
    assert listed(client, many_results, kecamatan=grabag) == [11, 12, 14]
    assert listed(client, many_results, kecamatan=grabag, status="new") == [14]
    assert listed(client, many_results, status="anything") == [1, 2, 10, 11, 12, 13, 14]


def test_the_previous_page_of_a_filtered_list_keeps_its_filters(
    login, users, regions, many_results
):
    batch = ProposalBatch.objects.get()
    rows = ProposalRow.objects.bulk_create(
        ProposalRow(batch=batch, row_number=n, name=f"WARGA {n}", desa=regions["desa_b"])
        for n in range(100, 160)
    )
    Result.objects.bulk_create(
        Result(run=many_results, proposal_row=row, status="in_roster", programs="PKH")
        for row in rows
    )
    client = login(users["staff"])
    kecamatan = regions["desa_b"].parent_id
    filters = {"program": "PKH", "kecamatan": kecamatan}
    assert len(listed(client, many_results, **filters)) == 50
    second = client.get(reverse("dedup:results", args=[many_results.pk]), filters | {"page": 2})
    assert [r.proposal_row.row_number for r in second.context["page"]] == list(range(149, 160))
    assert f'href="?program=PKH&amp;kecamatan={kecamatan}&amp;page=1"' in second.content.decode()


def test_a_failed_run_says_so_and_resumes_from_its_page(login, users, doubtful_run):
    doubtful_run.results.all().delete()
    doubtful_run.pairs.all().delete()
    doubtful_run.chunks.update(done=False)
    Run.objects.filter(pk=doubtful_run.pk).update(
        status=Run.Status.FAILED, rows_done=0, error="server closed the connection"
    )
    client = login(users["staff"])
    page = client.get(reverse("dedup:run", args=[doubtful_run.pk])).content.decode()
    assert "Pemadanan berhenti sebelum semua keluarga diperiksa." in page
    assert "Lanjutkan pemadanan" in page

    response = client.post(reverse("dedup:run_resume", args=[doubtful_run.pk]))
    assert response.url == reverse("dedup:run", args=[doubtful_run.pk])
    run = Run.objects.get(pk=doubtful_run.pk)
    assert (run.status, run.error, run.rows_done) == ("done", "", 2)
    assert run.resumed_at is not None and run.pairs.open().count() == 1
    assert dict(run.results.values_list("proposal_row__row_number", "status")) == {
        1: "in_roster",
        2: "review",
    }


def test_a_run_failed_after_its_last_chunk_was_written_is_finished_by_resume(
    login, users, doubtful_run, monkeypatch
):
    # Another delivery wrote the chunk; this one failed late: nothing is left to match.
    Run.objects.filter(pk=doubtful_run.pk).update(status=Run.Status.FAILED, error="lost")
    queued = []
    monkeypatch.setattr("dedup.tasks.match_chunk.delay", queued.append)
    login(users["head"]).post(reverse("dedup:run_resume", args=[doubtful_run.pk]))

    run = Run.objects.get(pk=doubtful_run.pk)
    assert (run.status, run.error, queued) == ("done", "", [])
    assert run.results.count() == 2 and run.pairs.count() == 1  # nothing written twice


def test_the_admin_saves_the_thresholds_and_the_head_sees_no_save_button(login, users):
    admin = login(users["admin"])
    assert (
        "Simpan untuk pemadanan berikutnya" in admin.get(reverse("dedup:settings")).content.decode()
    )
    saved = admin.post(
        reverse("dedup:settings"), {"same": 85, "review": 65, "save": ""}, follow=True
    )
    assert "Ambang batas berlaku untuk pemadanan berikutnya." in saved.content.decode()
    current = MatchSettings.current()
    assert (current.same, current.review, current.updated_by) == (85, 65, users["admin"])

    page = login(users["head"]).get(reverse("dedup:settings")).content.decode()
    assert "Simpan untuk pemadanan berikutnya" not in page and "Lihat dampaknya" in page


def test_thresholds_out_of_order_are_not_saved(login, users):
    page = login(users["staff"]).post(
        reverse("dedup:settings"), {"same": 70, "review": 80, "save": ""}
    )
    assert "Skor tinjauan tidak boleh lebih tinggi dari skor keluarga sama." in str(
        page.context["form"].errors
    )
    assert (MatchSettings.current().same, MatchSettings.current().review) == (90, 70)


def test_a_higher_review_score_shows_the_doubt_leaving_review(login, users, doubtful_run):
    page = login(users["head"]).post(reverse("dedup:settings"), {"same": 95, "review": 85})
    assert page.context["effect"] == [("tinjauan", "tidak cocok", 1)]
    assert "<td>tinjauan</td><td>tidak cocok</td><td>1</td>" in page.content.decode()


def test_the_preview_compares_with_the_latest_full_run_not_a_recheck(login, users, doubtful_run):
    Run.objects.create(
        created_by=users["staff"], status=Run.Status.DONE, recheck=True,
        thresholds={"same": 90, "review": 70},
    )  # fmt: skip
    page = login(users["staff"]).post(reverse("dedup:settings"), {"same": 80, "review": 70})
    assert page.context["latest"] == doubtful_run
    assert page.context["effect"] == [("tinjauan", "keluarga sama", 1)]


def test_the_preview_without_a_finished_run_says_there_is_nothing_to_compare(login, users):
    page = login(users["staff"]).post(reverse("dedup:settings"), {"same": 80, "review": 60})
    assert "Belum ada pemadanan yang selesai: belum ada pembanding." in page.content.decode()
    assert MatchSettings.current().same == 90


def test_a_family_ruled_out_in_review_does_not_move_in_the_preview(login, users, doubtful_run):
    ReviewPair.objects.get().decide(same_family=False, by=users["staff"])
    page = login(users["staff"]).post(reverse("dedup:settings"), {"same": 95, "review": 85})
    assert page.context["effect"] == []
    assert "Tidak ada keputusan yang berubah." in page.content.decode()
