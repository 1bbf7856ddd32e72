"""The complaint desk's pages: the desk logs and routes, a village answers what is forwarded to
it, staff allocating aid read those about a family without who complained, and the public
status page shows no personal data."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from lokal import holidays

from complaints import desk, service_level
from complaints.models import Category, Complaint
from households.models import Household
from tests.complaints.conftest import STORY, walk_in, working_days_ago
from tests.conftest import make_nik

pytestmark = pytest.mark.django_db
S = Complaint.Status


@pytest.fixture(autouse=True)
def fresh_lookups():
    """The status page counts look-ups per address in the cache (Redis in CI): start at zero."""
    cache.delete("complaint-status:127.0.0.1")
    yield
    cache.delete("complaint-status:127.0.0.1")


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_desk_logs_a_complaint_and_gets_a_ticket(client, users, regions, households):
    page = login(client, users["desk"]).post(
        reverse("complaints:create"),
        {
            "kind": "complaint",
            "channel": "phone",
            "category": Category.objects.get(name="Data salah (nama, NIK, alamat)").pk,
            "complainant_name": "Pak Darmo",
            "complainant_nik": "1234",  # not known exactly: kept, with a warning
            "family": households["a"].head_nik,
            "desa": regions["desa_a"].pk,
            "story": "Nama di daftar salah ketik.",
        },
        follow=True,
    )
    complaint = Complaint.objects.get()
    assert complaint.household == households["a"] and complaint.complainant_nik == "1234"
    text = page.content.decode()
    assert complaint.ticket in text
    assert "NIK berisi 4 digit, seharusnya 16." in text  # the warning: kept all the same
    assert (
        f"Dicatat dengan tiket {complaint.ticket}. Berikan tanda terimanya kepada pengadu: "
        "dengan tiket itu pengaduan diikuti di http://testserver/complaints/status/." in text
    )

    slip = client.get(reverse("complaints:slip", args=[complaint.pk])).content.decode()
    assert complaint.ticket in slip and "http://testserver/complaints/status/" in slip
    assert complaint.due_on.strftime("%d-%m-%Y") in slip
    assert "Pak Darmo" not in slip and households["a"].head_nik not in slip  # nothing personal
    assert (
        login(client, users["village"])
        .get(reverse("complaints:slip", args=[complaint.pk]))
        .status_code
        == 403
    )


def test_the_public_finds_the_status_page_from_the_login_page(client, db):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("complaints:status")}"' in html
    assert "Sudah mengadu? Ikuti pengaduan Anda dengan nomor tiketnya" in html


def test_an_empty_or_oversized_complaint_is_refused_with_the_reason(client, users):
    page = login(client, users["desk"]).post(
        reverse("complaints:create"), {"story": "x" * 5001, "channel": "phone"}
    )
    errors = page.context["form"].errors
    assert {"complainant_name", "category", "story"} <= set(errors)
    assert not Complaint.objects.exists()


def test_the_story_is_shown_as_text_never_run(client, users, complaint):
    page = login(client, users["desk"]).get(reverse("complaints:detail", args=[complaint.pk]))
    text = page.content.decode()
    assert "<script>alert" not in text and "&lt;script&gt;" in text


@pytest.mark.parametrize("role", ["staff", "head", "village_b", "agency"])
def test_only_the_desk_and_the_unit_it_is_forwarded_to_see_a_complaint(
    client, users, units, complaint, role
):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    url = reverse("complaints:detail", args=[complaint.pk])
    assert login(client, users[role]).get(url).status_code in (403, 404)
    page = login(client, users["village"]).get(url)
    assert page.status_code == 200 and STORY.split(".")[0] in page.content.decode()
    # Who complained stays with the desk: the village may be the one complained about.
    for private in ("Sumarni", "081234567890"):
        assert private not in page.content.decode()
    assert "Sumarni" in login(client, users["desk"]).get(url).content.decode()


def test_the_village_answers_and_the_desk_resolves(client, users, units, complaint):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])

    def answered():
        page = login(client, users["desk"]).get(reverse("complaints:list"))
        return [c.answered for c in page.context["page"]] == [True]

    assert not answered()
    login(client, users["village"]).post(
        reverse("complaints:answer", args=[complaint.pk]),
        {"note": "Keluarga sudah diusulkan untuk tahap 2."},
    )
    assert answered()  # the desk's list says it is their turn
    login(client, users["desk"]).post(
        reverse("complaints:move", args=[complaint.pk]),
        {
            "to": "resolved",
            "resolution": "Masuk usulan tahap 2",
            "public_reply": "Keluarga Anda diusulkan untuk JPS tahap 2.",
        },
    )
    complaint.refresh_from_db()
    assert complaint.status == S.RESOLVED
    notes = [s.note for s in complaint.steps.all()]
    assert "Keluarga sudah diusulkan untuk tahap 2." in notes


def test_the_public_page_shows_the_status_and_reply_and_no_personal_data(client, complaint):
    desk.move(complaint, S.HANDLING, by=complaint.steps.get().by, assign=complaint.steps.get().by)
    Complaint.objects.filter(pk=complaint.pk).update(public_reply="Sedang diperiksa petugas.")
    page = client.get(reverse("complaints:status"), {"ticket": complaint.ticket.lower()})
    text = page.content.decode()
    assert "sedang ditangani" in text and "Sedang diperiksa petugas." in text
    for private in ("Sumarni", "081234567890", complaint.complainant_nik, "belum menerima"):
        assert private not in text
    missing = client.get(reverse("complaints:status"), {"ticket": "ADU-2611-AAAAAAAA"})
    assert "Tidak ada pengaduan" in missing.content.decode()


def test_the_public_page_is_rate_limited_whatever_address_the_visitor_claims(client, complaint):
    for n in range(20):
        forged = {"HTTP_X_FORWARDED_FOR": f"8.8.{n}.1"}  # no proxy in front: not believed
        assert (
            client.get(reverse("complaints:status"), {"ticket": "X"}, **forged).status_code == 200
        )
    assert client.get(reverse("complaints:status"), {"ticket": "X"}).status_code == 429


def test_the_desk_sees_the_overdue_first_oldest_first(client, users, regions, complaint):
    def received(working_days, category):
        return desk.log(
            by=users["desk"],
            channel=Complaint.Channel.LETTER,
            category=Category.objects.get(name=category),
            complainant_name="Warga",
            story="Surat",
            received_at=working_days_ago(working_days),
        )

    on_time = received(12, "Lainnya")
    desk.move(on_time, S.HANDLING, by=users["desk"], assign=users["desk"])  # 5 days from today
    levy = received(4, "Pemotongan atau pungutan oleh perantara")  # not triaged in 3: late
    page = login(client, users["desk"]).get(reverse("complaints:list"))
    order = [c.pk for c in page.context["page"]]
    assert order == [levy.pk, on_time.pk, complaint.pk]  # the late one first, though younger
    assert page.context["overdue"] == 1


def test_the_list_pages_in_the_database_with_a_fixed_number_of_queries(
    client, users, regions, complaint, django_assert_max_num_queries
):
    for n in range(60):
        desk.log(
            by=users["desk"],
            channel=Complaint.Channel.PHONE,
            category=complaint.category,
            complainant_name=f"Warga {n}",
            desa=regions["desa_a"],
            story="Telepon",
            received_at=working_days_ago(n % 7),
        )
    login(client, users["desk"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("complaints:list"))
    assert len(page.context["page"]) == 50 and page.context["page"].paginator.count == 61
    late = [c.late for c in page.context["page"]]
    assert late == sorted(late, reverse=True)  # the overdue first
    new_ones = client.get(reverse("complaints:list"), {"status": "new"}).content.decode()
    assert "?status=new&amp;page=2" in new_ones  # the next page keeps the filter


def test_a_left_out_family_becomes_a_proposal_of_its_village_checked_as_any(
    client, users, units, regions
):
    from programs.models import ProposalRow

    complaint = desk.log(
        by=users["desk"],
        channel=Complaint.Channel.VILLAGE,
        category=Category.objects.get(name="Tidak terdata (exclusion error)"),
        complainant_name="Kepala Desa",
        desa=regions["desa_a"],
        story="Keluarga Bu Tukinem belum pernah terdata.",
    )
    url = reverse("complaints:propose", args=[complaint.pk])
    assert desk.propose(complaint, {}, by=users["desk"])  # not handled yet: refused
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"])
    login(client, users["desk"])
    form = client.get(url)
    assert form.context["form"]["desa"].value() == "Sindurjan"  # from the complaint
    family = {
        "no_kk": "3306060101200001",
        "nik": "33060652",  # a mistyped NIK: refused by the intake's rules
        "nama": "Tukinem",
        "alamat": "DUSUN KRAJAN",
        "rt": "2",
        "rw": "5",
        "desa": "Sindurjan",
        "kecamatan": "Purworejo",
    }
    refused = client.post(url, family)
    assert "nik" in refused.context["form"].errors and not ProposalRow.objects.exists()

    family["nik"] = make_nik(female=True)
    client.post(url, family)
    complaint.refresh_from_db()
    row = complaint.proposal_row
    assert (row.batch.unit, row.batch.status, row.nik, row.name) == (
        units["village_a"],
        "submitted",  # the next cross-check takes it
        family["nik"],
        "TUKINEM",
    )
    from dedup.models import Result, Run

    run = Run.objects.create(created_by=users["staff"], status=Run.Status.DONE)
    Result.objects.create(run=run, proposal_row=row, status=Result.Status.IN_ROSTER)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert row.batch.title in page and "sudah terdaftar di program" in page  # what became of it
    again_page = client.post(url, family, follow=True)  # proposed once only
    assert "sudah diusulkan" in again_page.content.decode()
    assert ProposalRow.objects.count() == 1

    # A second complaint about the same family: the village has it already.
    again = desk.log(
        by=users["desk"],
        channel=Complaint.Channel.PHONE,
        category=complaint.category,
        complainant_name="Anak Bu Tukinem",
        desa=regions["desa_a"],
        story="Ibu kami belum terdata.",
    )
    desk.move(again, S.HANDLING, by=users["desk"], assign=users["desk"])
    problems = desk.propose(again, family, by=users["desk"])
    assert "sudah mengusulkan keluarga ini" in problems[0][1]
    assert ProposalRow.objects.count() == 1


def test_a_complaint_of_another_kind_is_not_proposed(client, users, complaint):
    from programs.models import ProposalRow

    problems = desk.propose(complaint, {"nama": "X"}, by=users["desk"])
    assert problems and not ProposalRow.objects.exists()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_photo_is_attached_and_only_those_who_see_the_complaint_download_it(
    client, users, complaint, media_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, users["desk"]).post(
        reverse("complaints:attachment_add", args=[complaint.pk]),
        {"file": SimpleUploadedFile("rumah.png", PNG)},
    )
    (attachment,) = complaint.attachments.all()
    url = reverse("complaints:attachment", args=[attachment.pk])
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PNG
    assert login(client, users["staff"]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("surat.pdf", PNG, "bukan seperti"),  # a PNG named .pdf
        ("virus.exe", b"MZ\x90\x00" * 10, "bukan berkas JPG, PNG atau PDF"),
        ("besar.png", PNG + b"\x00" * (5 * 1024 * 1024), "berukuran 5,0 MB; batasnya 5 MB"),
    ],
)
def test_an_attachment_that_is_not_what_it_claims_is_refused(
    client, users, complaint, media_root, name, content, reason
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = login(client, users["desk"]).post(
        reverse("complaints:attachment_add", args=[complaint.pk]),
        {"file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert reason in page.content.decode()
    assert not complaint.attachments.exists()


def test_the_monthly_report_counts_and_times_in_working_days_as_the_month_ended(client, users):
    import io

    import openpyxl

    def october(day, hour=9):
        return timezone.make_aware(datetime.datetime(2026, 10, day, hour))

    def logged(channel, day, name):
        return desk.log(
            by=users["desk"],
            channel=channel,
            category=Category.objects.get(name="Lainnya"),
            complainant_name=name,
            story="Belum menerima bantuan",
            received_at=october(day),
        )

    resolved = logged(Complaint.Channel.WALK_IN, 5, "Sumarni")  # a Monday
    desk.move(resolved, S.HANDLING, by=users["desk"], assign=users["desk"], at=october(5, 10))
    desk.move(resolved, S.RESOLVED, by=users["desk"], resolution="Cair", at=october(7))
    late = logged(Complaint.Channel.LETTER, 12, "Warga")  # not triaged by the 15th
    login(client, users["head"])

    def report():
        return client.get(reverse("complaints:report"), {"month": "2026-10"})

    page = report()
    found = page.context["report"]
    assert (found.total, found.resolved, found.average_days, found.overdue) == (2, 1, 2, 1)
    assert found.triaged_late == 1  # the letter, never given to anyone
    assert found.by["Saluran"] == {"datang langsung": 1, "surat": 1}
    assert "Sumarni" not in page.content.decode()  # no personal data in the report
    # Resolved today, the late one still stood open and overdue when October ended.
    desk.move(late, S.HANDLING, by=users["desk"], assign=users["desk"])
    desk.move(late, S.RESOLVED, by=users["desk"], resolution="Dijawab")
    again = report().context["report"]
    assert (again.resolved, again.overdue) == (1, 1)
    assert again.by["Status"] == {"selesai": 1, "baru": 1}

    sheet = client.get(reverse("complaints:report"), {"month": "2026-10", "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    assert [c.value for c in book.active[2]] == ["Diterima", 2]
    assert login(client, users["village"]).get(reverse("complaints:report")).status_code == 403


def test_a_complaint_resolved_the_day_it_came_shows_zero_days_not_a_dash(client, users):
    received = timezone.make_aware(datetime.datetime(2026, 10, 5, 9))  # a Monday
    complaint = desk.log(
        by=users["desk"],
        channel=Complaint.Channel.WALK_IN,
        category=Category.objects.get(name="Lainnya"),
        complainant_name="Sumarni",
        story="Belum menerima bantuan",
        received_at=received,
    )
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"], at=received)
    desk.move(
        complaint, S.RESOLVED, by=users["desk"], resolution="Dijawab",
        at=received + datetime.timedelta(hours=2),
    )  # fmt: skip
    login(client, users["head"])
    page = client.get(reverse("complaints:report"), {"month": "2026-10"})
    found = page.context["report"]
    assert (found.average_days, found.worst_days) == (0, 0)
    cards = re.findall(r'<div class="n">([^<]*)</div>', page.content.decode())
    assert cards.count("0") >= 2 and "-" not in cards  # as the .xlsx says: 0


def test_home_pages_count_the_open_complaints_each_one_handles(client, users, units, complaint):
    home = login(client, users["desk"]).get(reverse("home"))
    assert home.context["open_complaints"] == 1
    assert login(client, users["village"]).get(reverse("home")).context["open_complaints"] == 0
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    assert login(client, users["village"]).get(reverse("home")).context["open_complaints"] == 1


def test_a_new_complaint_is_due_for_triage_within_three_working_days(client, users, complaint):
    complaint.received_at = working_days_ago(4)
    complaint.save()
    page = login(client, users["desk"]).get(reverse("complaints:list"))
    assert page.context["overdue"] == 1  # not triaged: late, though its category gives 5
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"])
    # Being handled, it has its category's 5 working days from today.
    assert client.get(reverse("complaints:list")).context["overdue"] == 0


def test_staff_allocating_aid_open_a_familys_complaint_without_who_complained(
    client, users, households, units, regions, media_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    complaint = walk_in(
        users,
        regions,
        category=Category.objects.get(name="Data salah (nama, NIK, alamat)"),
        household=households["a"],
    )
    login(client, users["desk"]).post(
        reverse("complaints:attachment_add", args=[complaint.pk]),
        {"file": SimpleUploadedFile("ktp-sumarni.png", PNG)},
    )
    detail = reverse("complaints:detail", args=[complaint.pk])
    family = reverse("households:detail", args=[households["a"].pk])
    assert detail in login(client, users["staff"]).get(family).content.decode()
    assert complaint.ticket in client.get(reverse("complaints:list")).content.decode()
    page = client.get(detail)
    text = page.content.decode()
    assert page.status_code == 200 and STORY.split(".")[0] in text
    for private in ("Sumarni", "081234567890", "ktp-sumarni.png"):
        assert private not in text
    assert page.context["move_form"] is None and page.context["attachment_form"] is None
    attachment = complaint.attachments.get()
    assert client.get(reverse("complaints:attachment", args=[attachment.pk])).status_code == 404
    # The village sees its family, not a complaint it was not forwarded (it may be about it).
    village_page = login(client, users["village"]).get(family).content.decode()
    assert households["a"].head_name in village_page and complaint.ticket not in village_page


def test_staff_read_only_complaints_about_a_familys_listing_or_data(
    client, users, households, regions
):
    about_a_levy = walk_in(
        users,
        regions,
        category=Category.objects.get(name="Pemotongan atau pungutan oleh perantara"),
        household=households["a"],
        story="Bantuan kami dipotong oleh oknum.",  # the family may well be who complains
    )
    login(client, users["staff"])
    assert about_a_levy.ticket not in client.get(reverse("complaints:list")).content.decode()
    detail = reverse("complaints:detail", args=[about_a_levy.pk])
    assert client.get(detail).status_code == 404
    family = reverse("households:detail", args=[households["a"].pk])
    assert about_a_levy.ticket not in client.get(family).content.decode()


def test_the_unit_sees_its_own_attachments_not_the_desks(
    client, users, units, households, complaint, media_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    url = reverse("complaints:attachment_add", args=[complaint.pk])
    desk_file, village_file = (SimpleUploadedFile(n, PNG) for n in ("ktp-sumarni.png", "rumah.png"))
    login(client, users["desk"]).post(url, {"file": desk_file}, follow=True)
    login(client, users["village"]).post(url, {"file": village_file}, follow=True)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "rumah.png" in page and "ktp-sumarni.png" not in page
    theirs, ours = complaint.attachments.order_by("pk")
    assert client.get(reverse("complaints:attachment", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("complaints:attachment", args=[ours.pk])).status_code == 200
    desk_page = login(client, users["desk"]).get(reverse("complaints:detail", args=[complaint.pk]))
    assert "rumah.png" in desk_page.content.decode()  # the desk sees everything attached


def test_a_forwarded_unit_does_not_see_a_family_outside_its_area(
    client, users, units, households, regions
):
    complaint = walk_in(
        users,
        regions,
        category=Category.objects.get(name="Salah sasaran (inclusion error)"),
        household=households["b"],  # lives in the other village
    )
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    page = login(client, users["village"]).get(reverse("complaints:detail", args=[complaint.pk]))
    text = page.content.decode()
    assert households["b"].head_name not in text and "di luar wilayah Anda" in text


def test_staff_do_not_read_a_complaint_about_no_family(client, users, complaint):
    login(client, users["staff"])
    assert complaint.ticket not in client.get(reverse("complaints:list")).content.decode()
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404


def test_the_follow_up_counts_from_the_day_it_was_forwarded(client, users, units, regions):
    complaint = walk_in(users, regions, received_at=working_days_ago(8))
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"], at=working_days_ago(6))
    login(client, users["desk"])
    assert client.get(reverse("complaints:list")).context["overdue"] == 1  # 6 of 5 days used
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    page = client.get(reverse("complaints:detail", args=[complaint.pk]))
    due = service_level.due(timezone.localdate(), complaint.category.target_days)
    assert f"batas waktu {due:%d-%m-%Y}" in page.content.decode()
    assert client.get(reverse("complaints:list")).context["overdue"] == 0


def test_a_deadline_in_a_year_without_a_decree_says_weekends_only_count(client, users, complaint):
    unknown = max(holidays.HOLIDAY_YEARS) + 1  # the first year without a decree yet
    complaint.received_at = timezone.make_aware(datetime.datetime(unknown, 5, 6, 9))
    complaint.save()
    page = login(client, users["desk"]).get(reverse("complaints:detail", args=[complaint.pk]))
    assert "hanya akhir pekan" in page.content.decode()


@pytest.mark.parametrize("role", ["staff", "head", "village", "village_b", "agency"])
def test_only_the_desk_logs_moves_and_proposes(client, users, units, complaint, role):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    login(client, users[role])
    for name, data in [
        ("complaints:move", {"to": "resolved", "resolution": "x"}),
        ("complaints:propose", {"nama": "X"}),
    ]:
        assert client.post(reverse(name, args=[complaint.pk]), data).status_code == 403
    assert client.post(reverse("complaints:create"), {"story": "x"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == S.HANDLING


@pytest.mark.parametrize("role", ["staff", "village_b", "agency"])
def test_a_unit_it_was_not_forwarded_to_neither_answers_nor_attaches(
    client, users, units, complaint, role
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    login(client, users[role])
    answered = client.post(reverse("complaints:answer", args=[complaint.pk]), {"note": "x"})
    attached = client.post(
        reverse("complaints:attachment_add", args=[complaint.pk]),
        {"file": SimpleUploadedFile("a.png", PNG)},
    )
    assert (answered.status_code, attached.status_code) == (404, 404)
    assert complaint.steps.count() == 2 and not complaint.attachments.exists()


def test_a_public_reply_written_by_mistake_can_be_taken_down(client, users, complaint):
    login(client, users["desk"])
    url = reverse("complaints:move", args=[complaint.pk])
    client.post(
        url, {"to": "handling", "assign": users["desk"].pk, "public_reply": "Bu Sumarni: ..."}
    )
    client.post(url, {"to": "waiting", "note": "KK diminta", "clear_reply": "on"})
    complaint.refresh_from_db()
    assert (complaint.status, complaint.public_reply) == (S.WAITING, "")


def slamet_about_a_lost_card() -> dict:
    """Pak Slamet's walk-in: the desk types "slamet" to find the family."""
    return {
        "kind": "complaint",
        "channel": "walk_in",
        "category": Category.objects.get(name="Lainnya").pk,
        "complainant_name": "Pak Slamet",
        "family": "slamet",
        "story": "Kartu hilang.",
    }


def test_when_several_families_match_the_desk_picks_one(client, users, make_household):
    first = make_household(name="SLAMET RIYADI")
    second = make_household(name="SLAMET RAHARJO")
    data = slamet_about_a_lost_card()
    login(client, users["desk"])
    page = client.post(reverse("complaints:create"), data)
    choices = dict(page.context["form"].fields["pick"].choices)
    assert set(choices) == {first.pk, second.pk}
    assert first.head_nik not in page.content.decode()  # offered with the NIK masked
    masked = first.head_nik[:4] + "********" + first.head_nik[-4:]
    assert choices[first.pk].startswith(f"SLAMET RIYADI · NIK {masked} · ")  # and named so
    assert not Complaint.objects.exists()

    client.post(reverse("complaints:create"), {**data, "pick": second.pk})
    assert Complaint.objects.get().household == second
    detail = client.get(reverse("complaints:detail", args=[Complaint.objects.get().pk]))
    kk = second.no_kk[:4] + "********" + second.no_kk[-4:]
    assert f"SLAMET RAHARJO (No. KK {kk})" in detail.content.decode()  # the link says which


def test_a_photo_chosen_before_the_family_was_picked_is_asked_for_again(
    client, users, make_household, media_root
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    make_household(name="SLAMET RIYADI")
    make_household(name="SLAMET RAHARJO")
    photo = SimpleUploadedFile("rumah.png", PNG)
    login(client, users["desk"])
    page = client.post(
        reverse("complaints:create"), {**slamet_about_a_lost_card(), "attachment": photo}
    )
    assert "Pilih berkasnya lagi" in page.content.decode()  # the browser dropped it


def test_the_families_of_the_chosen_desa_are_offered_first(client, users, regions, make_household):
    here = make_household(regions["desa_a"], name="SLAMET RIYADI")
    for n in range(11):
        make_household(regions["desa_b"], name=f"SLAMET {'ABCDEFGHIJK'[n]}")
    data = slamet_about_a_lost_card()
    login(client, users["desk"])
    everywhere = client.post(reverse("complaints:create"), data).context["form"]
    assert len(everywhere.fields["pick"].choices) == 10
    assert "ketik lebih banyak" in everywhere.fields["pick"].help_text  # 12 match: say so
    client.post(reverse("complaints:create"), {**data, "desa": regions["desa_a"].pk})
    assert Complaint.objects.get().household == here  # the only one in that desa


def test_a_photo_comes_with_the_complaint_when_it_is_logged(client, users, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {**slamet_about_a_lost_card(), "family": "", "channel": "whatsapp"}
    login(client, users["desk"])
    refused = client.post(
        reverse("complaints:create"), {**data, "attachment": SimpleUploadedFile("a.png", b"GIF8")}
    )
    assert "attachment" in refused.context["form"].errors and not Complaint.objects.exists()
    client.post(
        reverse("complaints:create"), {**data, "attachment": SimpleUploadedFile("rumah.png", PNG)}
    )
    assert Complaint.objects.get().attachments.get().content_type == "image/png"


def test_the_desk_adds_a_category_with_its_targets(client, users):
    url = reverse("complaints:categories")
    login(client, users["desk"]).post(
        url,
        {"name": "Bansos beras tidak layak", "triage_days": 1, "target_days": 2},
    )
    added = Category.objects.get(name="Bansos beras tidak layak")
    assert (added.triage_days, added.target_days, added.becomes_proposal) == (1, 2, False)
    assert login(client, users["staff"]).get(url).status_code == 403


def test_a_changed_target_moves_the_deadline_of_the_categorys_open_complaints(
    client, users, complaint
):
    category = complaint.category
    login(client, users["desk"]).post(
        f"{reverse('complaints:categories')}?edit={category.pk}",
        {"name": category.name, "triage_days": 10, "target_days": category.target_days},
    )
    complaint.refresh_from_db()
    assert complaint.due_on == service_level.due(timezone.localdate(complaint.received_at), 10)


def test_the_desk_is_offered_only_the_steps_it_may_take(client, users, complaint):
    login(client, users["desk"])
    url = reverse("complaints:detail", args=[complaint.pk])
    offered = [label for _value, label in client.get(url).context["move_form"]["to"].field.choices]
    assert offered == ["sedang ditangani", "ditolak"]  # new: handled or rejected, nothing else
    page = client.post(
        reverse("complaints:move", args=[complaint.pk]),
        {"to": "resolved", "resolution": "x"},
        follow=True,
    )
    assert "tidak dapat mengambil langkah itu" in page.content.decode()  # said, not ignored
    complaint.refresh_from_db()
    assert complaint.status == S.NEW


def test_a_registered_family_is_proposed_without_the_desk_seeing_its_numbers(
    client, users, units, regions, households
):
    family = households["a"]
    complaint = desk.log(
        by=users["desk"],
        channel=Complaint.Channel.VILLAGE,
        category=Category.objects.get(name="Tidak terdata (exclusion error)"),
        complainant_name="Kepala Desa",
        household=family,
        desa=regions["desa_a"],
        story="Keluarga Pak Slamet di-PHK dan belum menerima bantuan.",
    )
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"])
    url = reverse("complaints:propose", args=[complaint.pk])
    login(client, users["desk"])
    page = client.get(url).content.decode()
    assert family.head_name in page
    assert family.head_nik not in page and family.no_kk not in page
    assert family.head_nik[-4:] in page  # shown masked, to say which numbers are taken
    form = client.get(url).context["form"]
    typed = {name: form[name].value() or "" for name in form.fields}
    client.post(url, typed)  # NIK and No. KK left empty
    complaint.refresh_from_db()
    row = complaint.proposal_row
    assert (row.nik, row.no_kk, row.household) == (family.head_nik, family.no_kk, family)


def test_a_second_question_to_the_village_waits_for_a_new_answer(client, users, units, complaint):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    desk.answer(complaint, by=users["village"], note="Keluarga pindah ke kota.")
    desk.move(complaint, S.WAITING, by=users["desk"], note="Minta surat pindah ke pelapor")
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"], note="Cek lagi")
    page = login(client, users["desk"]).get(reverse("complaints:list"))
    assert [c.answered for c in page.context["page"]] == [False]  # asked again: not answered


def test_a_category_given_more_days_leaves_the_list_and_the_report_agreeing(client, users, regions):
    late = walk_in(users, regions, received_at=working_days_ago(4))  # triage within 3: late
    login(client, users["desk"])

    def overdue():
        listed = client.get(reverse("complaints:list")).context["overdue"]
        return listed, client.get(reverse("complaints:report")).context["report"].overdue

    assert overdue() == (1, 1)
    category = late.category
    client.post(
        f"{reverse('complaints:categories')}?edit={category.pk}",
        {"name": category.name, "triage_days": 10, "target_days": category.target_days},
    )
    assert overdue() == (0, 0)
    assert late.history.first().history_change_reason == "target kategori diubah"


def test_the_month_counts_what_was_resolved_in_it_and_everything_overdue_at_its_end(
    client, users, regions
):
    def at(month, day, hour=9):
        return timezone.make_aware(datetime.datetime(2026, month, day, hour))

    def resolved(received, handled, done):
        complaint = walk_in(users, regions, received_at=received)
        desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"], at=handled)
        return desk.move(complaint, S.RESOLVED, by=users["desk"], resolution="Cair", at=done)

    resolved(at(9, 28), at(9, 29), at(10, 2))  # came in September, resolved in October
    resolved(at(9, 1), at(9, 1, 10), at(9, 3))  # all in September: not October's
    walk_in(users, regions, received_at=at(9, 14))  # never triaged: overdue in October too
    october = login(client, users["head"]).get(reverse("complaints:report"), {"month": "2026-10"})
    found = october.context["report"]
    assert (found.total, found.resolved, found.worst_days, found.overdue) == (0, 1, 4, 1)


def test_a_month_out_of_range_shows_this_month(client, users):
    page = login(client, users["head"]).get(reverse("complaints:report"), {"month": "9999-12"})
    assert page.status_code == 200
    assert page.context["month"] == timezone.localdate().replace(day=1)


def test_a_registered_number_that_fails_the_checks_is_not_shown_to_the_desk(
    client, users, units, regions, households
):
    family = households["a"]
    broken = family.no_kk[:12] + "0000"  # a serial of zeros: refused by the intake's rules
    Household.objects.filter(pk=family.pk).update(no_kk=broken)
    complaint = walk_in(
        users,
        regions,
        category=Category.objects.get(name="Tidak terdata (exclusion error)"),
        household=family,
    )
    desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"])
    url = reverse("complaints:propose", args=[complaint.pk])
    login(client, users["desk"])
    form = client.get(url).context["form"]
    page = client.post(url, {name: form[name].value() or "" for name in form.fields})
    text = page.content.decode()
    assert "Data yang terdaftar tidak lolos pemeriksaan" in text
    assert broken not in text and broken[6:12] not in text
    complaint.refresh_from_db()
    assert complaint.proposal_row is None


def test_a_letter_that_came_in_earlier_counts_from_the_day_it_came_in(client, users, regions):
    data = {**slamet_about_a_lost_card(), "family": "", "channel": "letter"}
    login(client, users["desk"])
    came_in = working_days_ago(4).date()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    refused = client.post(
        reverse("complaints:create"), {**data, "received_on": f"{tomorrow:%d-%m-%Y}"}
    )
    assert "received_on" in refused.context["form"].errors and not Complaint.objects.exists()
    client.post(reverse("complaints:create"), {**data, "received_on": f"{came_in:%d-%m-%Y}"})
    letter = Complaint.objects.get()
    assert timezone.localdate(letter.received_at) == came_in
    assert letter.due_on == service_level.due(came_in, 3)
    assert client.get(reverse("complaints:list")).context["overdue"] == 1  # not triaged in 3


def test_dots_alone_do_not_offer_every_family(client, users, make_household):
    make_household(name="SLAMET RIYADI")
    make_household(name="SLAMET RAHARJO")
    login(client, users["desk"])
    page = client.post(
        reverse("complaints:create"), {**slamet_about_a_lost_card(), "family": "..."}, follow=True
    )
    assert Complaint.objects.get().household is None
    assert "tidak ada keluarga terdaftar yang cocok" in page.content.decode().lower()


def test_an_agency_sees_and_answers_what_is_forwarded_to_it(client, users, units, complaint):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["agency"])
    login(client, users["agency"])
    assert complaint.ticket in client.get(reverse("complaints:list")).content.decode()
    client.post(
        reverse("complaints:answer", args=[complaint.pk]), {"note": "Bukan penerima program kami."}
    )
    assert complaint.steps.last().note == "Bukan penerima program kami."
    assert login(client, users["village"]).get(reverse("complaints:list")).context["overdue"] == 0
    assert complaint.ticket not in client.get(reverse("complaints:list")).content.decode()
