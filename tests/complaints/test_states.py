"""Every state change of a complaint, allowed or refused, and what it leaves behind; the monthly
report and attachments as they are downloaded; and which role opens which complaint page."""

import datetime
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import desk, service_level
from complaints.desk import ANSWERABLE, MOVES
from complaints.models import Category, Complaint
from households.models import User
from programs.intake.writers import XLSX
from tests.complaints.conftest import walk_in

pytestmark = pytest.mark.django_db
S = Complaint.Status
ALLOWED = [(now, to) for now in S for to in S if to in MOVES[now]]
REFUSED = [(now, to) for now in S for to in S if to not in MOVES[now]]
ROLES = ["admin", "staff", "head", "village", "village_b", "agency", "desk"]


def pair_ids(pairs):
    return [f"{now}-to-{to}" for now, to in pairs]


def complaint_in(status, users, regions, **fields):
    """A walk-in that came in twenty days ago, brought to `status` by the desk's own hands over
    the next days (assigned to the desk, not forwarded)."""
    start = timezone.now() - datetime.timedelta(days=20)
    complaint = walk_in(users, regions, received_at=start, **fields)
    by = users["desk"]
    day = datetime.timedelta(days=1)
    if status in (S.HANDLING, S.WAITING, S.RESOLVED):
        desk.move(complaint, S.HANDLING, by=by, assign=by, at=start + day)
    if status == S.WAITING:
        desk.move(complaint, S.WAITING, by=by, note="Minta fotokopi KK", at=start + 2 * day)
    if status == S.RESOLVED:
        desk.move(complaint, S.RESOLVED, by=by, resolution="Sudah dicairkan", at=start + 2 * day)
    if status == S.REJECTED:
        desk.move(complaint, S.REJECTED, by=by, note="Bukan wewenang Dinsos", at=start + day)
    complaint.refresh_from_db()
    return complaint


def step_to(to, units):
    """What the desk types for a step to `to` the rules accept (a note: reopening needs one)."""
    return {
        S.NEW: {"note": "Dipilah ulang"},
        S.HANDLING: {"forward": units["village_a"], "note": "Dicek ke kelurahan"},
        S.WAITING: {"note": "Menunggu fotokopi KK dari pelapor"},
        S.RESOLVED: {"resolution": "Masuk usulan tahap 2"},
        S.REJECTED: {"note": "Sudah ditangani di pengaduan lain"},
    }[to]


def as_posted(kwargs):
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in kwargs.items()}


def snapshot(complaint):
    complaint = Complaint.objects.get(pk=complaint.pk)
    fields = ("status", "due_on", "handled_since", "resolved_at", "resolution", "public_reply")
    return (
        [getattr(complaint, name) for name in fields],
        (complaint.assigned_to_id, complaint.forwarded_to_id),
        complaint.steps.count(),
        complaint.history.count(),
    )


def label(status):
    return str(S(status).label)


@pytest.fixture
def desk_client(login, users):
    return login(users["desk"])


def test_the_rules_are_those_the_desk_works_by():
    documented = {
        S.NEW: {S.HANDLING, S.REJECTED},
        S.HANDLING: {S.HANDLING, S.WAITING, S.RESOLVED, S.REJECTED},
        S.WAITING: {S.HANDLING, S.RESOLVED, S.REJECTED},
        S.RESOLVED: {S.HANDLING},
        S.REJECTED: {S.HANDLING},
    }
    assert documented == MOVES


@pytest.mark.parametrize(("now", "to"), ALLOWED, ids=pair_ids(ALLOWED))
def test_every_step_the_rules_allow_is_saved_with_who_when_why_and_its_deadline(
    desk_client, users, units, regions, now, to
):
    complaint = complaint_in(now, users, regions)
    before = Complaint.objects.get(pk=complaint.pk)
    steps, history = complaint.steps.count(), complaint.history.count()
    kwargs = step_to(to, units)
    started = timezone.now()
    page = desk_client.post(
        reverse("complaints:move", args=[complaint.pk]),
        {"to": to, **as_posted(kwargs)},
        follow=True,
    )
    text = page.content.decode()
    assert f"Langkah disimpan: {complaint.ticket} kini {label(to)}." in text
    assert f'<span class="badge {to}">{label(to)}</span>' in text
    if now != to:
        assert f"{label(now)} → {label(to)}" in text
    if to == S.HANDLING:
        assert f"diteruskan ke {units['village_a']}" in text

    complaint.refresh_from_db()
    step = complaint.steps.last()
    assert (step.from_status, step.to_status, step.by) == (now, to, users["desk"])
    assert started <= step.at <= timezone.now()
    assert step.note == (kwargs.get("note") or kwargs["resolution"])
    assert step.forwarded_to == kwargs.get("forward")
    assert complaint.status == to and complaint.steps.count() == steps + 1
    assert step.due_on == complaint.due_on
    target = complaint.category.target_days
    restarted = service_level.due(timezone.localdate(), target)
    assert complaint.due_on == (restarted if to == S.HANDLING else before.due_on)
    if to == S.HANDLING:
        assert (complaint.assigned_to, complaint.forwarded_to) == (None, units["village_a"])
        assert complaint.resolved_at is None and complaint.handled_since >= started
    if to == S.RESOLVED:
        assert complaint.resolution == "Masuk usulan tahap 2"
        assert complaint.resolved_at == step.at
    recorded = complaint.history.first()
    assert (recorded.status, recorded.history_user) == (to, users["desk"])
    assert complaint.history.count() == history + 1


@pytest.mark.parametrize(("now", "to"), REFUSED, ids=pair_ids(REFUSED))
def test_every_step_the_rules_do_not_allow_is_refused_saying_so_and_changes_nothing(
    desk_client, users, units, regions, now, to
):
    complaint = complaint_in(now, users, regions)
    kept = snapshot(complaint)
    refused = f"Pengaduan berstatus {label(now)} tidak dapat menjadi {label(to)}."
    with pytest.raises(ValidationError) as raised:
        desk.move(complaint, to, by=users["desk"], **step_to(to, units))
    assert raised.value.messages == [refused]
    assert snapshot(complaint) == kept

    page = desk_client.post(
        reverse("complaints:move", args=[complaint.pk]),
        {"to": to, **as_posted(step_to(to, units))},
        follow=True,
    )
    said = f"Pengaduan yang {label(now)} tidak dapat mengambil langkah itu; pilih yang ditawarkan."
    assert said in page.content.decode()
    assert snapshot(complaint) == kept


@pytest.mark.parametrize("now", list(S))
def test_the_desk_is_offered_exactly_the_steps_the_rules_allow_from_each_status(
    desk_client, users, regions, now
):
    complaint = complaint_in(now, users, regions)
    page = desk_client.get(reverse("complaints:detail", args=[complaint.pk]))
    offered = [value for value, _label in page.context["move_form"]["to"].field.choices]
    assert offered == [s for s in S.values if s in MOVES[now]]


@pytest.mark.parametrize(
    ("now", "to", "kwargs", "message"),
    [
        (S.HANDLING, S.RESOLVED, {"resolution": "   "}, "Tuliskan penyelesaiannya"),
        (S.WAITING, S.RESOLVED, {"note": "Selesai"}, "Tuliskan penyelesaiannya"),
        (S.HANDLING, S.REJECTED, {}, "Tuliskan alasan pengaduan ini ditolak."),
        (S.WAITING, S.REJECTED, {"note": "  \n "}, "Tuliskan alasan pengaduan ini ditolak."),
        (S.REJECTED, S.HANDLING, {"assign": "desk"}, "alasan pengaduan ini dibuka lagi"),
        (S.WAITING, S.HANDLING, {"note": "KK ada"}, "Tugaskan kepada staf atau teruskan"),
        (S.HANDLING, S.HANDLING, {"assign": "staff"}, "bukan petugas posko pengaduan"),
    ],
)
def test_an_allowed_step_without_what_it_needs_is_refused_and_changes_nothing(
    users, regions, now, to, kwargs, message
):
    complaint = complaint_in(now, users, regions)
    kept = snapshot(complaint)
    if "assign" in kwargs:
        kwargs = {**kwargs, "assign": users[kwargs["assign"]]}
    with pytest.raises(ValidationError, match=message):
        desk.move(complaint, to, by=users["desk"], **kwargs)
    assert snapshot(complaint) == kept


def test_a_desk_account_that_was_switched_off_cannot_be_given_a_complaint(users, regions):
    complaint = complaint_in(S.NEW, users, regions)
    kept = snapshot(complaint)
    gone = User.objects.create(username="posko.lama", role=User.Role.DESK, is_active=False)
    with pytest.raises(ValidationError, match="bukan petugas posko pengaduan"):
        desk.move(complaint, S.HANDLING, by=users["desk"], assign=gone)
    assert snapshot(complaint) == kept


def test_a_step_dated_before_the_last_one_is_refused(users, regions):
    complaint = complaint_in(S.HANDLING, users, regions)
    kept = snapshot(complaint)
    earlier = complaint.steps.last().at - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError, match="tidak dapat mendahului langkah terakhir"):
        desk.move(complaint, S.WAITING, by=users["desk"], note="Minta KK", at=earlier)
    assert snapshot(complaint) == kept


def test_the_same_hands_keep_counting_while_handling_and_other_hands_restart_it(
    users, units, regions
):
    complaint = complaint_in(S.HANDLING, users, regions)
    since, due_on = complaint.handled_since, complaint.due_on
    again = desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["desk"], note="Cek")
    assert (again.handled_since, again.due_on) == (since, due_on)
    admin = desk.move(complaint, S.HANDLING, by=users["desk"], assign=users["admin"])
    assert admin.handled_since > since
    assert admin.due_on == service_level.due(timezone.localdate(), 5)
    assert [s.assigned_to for s in complaint.steps.all()][-2:] == [users["desk"], users["admin"]]


def test_a_reopened_complaint_restarts_its_deadline_and_keeps_the_reason_in_its_history(
    users, units, regions
):
    complaint = complaint_in(S.REJECTED, users, regions)
    assert complaint.due_on == service_level.due(timezone.localdate(complaint.received_at), 3)
    reason = "Warga membawa bukti baru: " + "surat keterangan desa " * 8
    reopened = desk.move(
        complaint, S.HANDLING, by=users["admin"], forward=units["agency"], note=reason
    )
    assert reopened.due_on == service_level.due(timezone.localdate(), 5)
    step = complaint.steps.last()
    assert (step.by, step.note, step.forwarded_to) == (
        users["admin"],
        reason.strip(),
        units["agency"],
    )
    recorded = complaint.history.first()
    assert recorded.history_user == users["admin"]
    assert recorded.history_change_reason == reason.strip()[:100]
    trail = [h.status for h in complaint.history.order_by("history_date", "history_id")]
    assert trail == [S.NEW, S.REJECTED, S.HANDLING]


@pytest.mark.parametrize("now", ANSWERABLE)
def test_the_units_answer_is_a_step_that_leaves_the_status_and_deadline_alone(
    login, users, units, regions, now
):
    complaint = complaint_in(now, users, regions)
    Complaint.objects.filter(pk=complaint.pk).update(forwarded_to=units["village_a"])
    due_on, history = complaint.due_on, complaint.history.count()
    page = login(users["village"]).post(
        reverse("complaints:answer", args=[complaint.pk]),
        {"note": "  Keluarga sudah pindah ke Grabag. "},
        follow=True,
    )
    assert "Jawaban Anda sudah dikirim ke posko pengaduan." in page.content.decode()
    complaint.refresh_from_db()
    step = complaint.steps.last()
    assert (step.from_status, step.to_status, step.by) == (now, now, users["village"])
    assert step.note == "Keluarga sudah pindah ke Grabag."
    assert (complaint.status, complaint.due_on, complaint.history.count()) == (now, due_on, history)


def test_an_empty_answer_is_refused_with_a_message(login, users, units, complaint):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    response = login(users["village"]).post(
        reverse("complaints:answer", args=[complaint.pk]), {"note": "   "}
    )
    assert complaint.steps.count() == 2
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]


@pytest.mark.parametrize("role", ["desk", "admin"])
def test_the_desk_cannot_answer_in_the_units_place(login, users, units, complaint, role):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    page = login(users[role]).post(
        reverse("complaints:answer", args=[complaint.pk]), {"note": "Sudah dicek."}, follow=True
    )
    assert "Hanya unit yang menerima terusan pengaduan ini" in page.content.decode()
    assert complaint.steps.count() == 2


def test_a_village_the_complaint_is_taken_from_no_longer_sees_or_answers_it(
    login, users, units, complaint
):
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["agency"], note="Soal becak")
    village = login(users["village"])
    assert village.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    answered = village.post(reverse("complaints:answer", args=[complaint.pk]), {"note": "x"})
    assert answered.status_code == 404 and complaint.steps.count() == 3
    agency = login(users["agency"]).get(reverse("complaints:detail", args=[complaint.pk]))
    assert agency.status_code == 200 and agency.context["answer_form"] is not None


@pytest.mark.parametrize("now", [S.NEW, S.RESOLVED, S.REJECTED])
def test_a_family_is_proposed_only_while_the_complaint_is_handled(desk_client, users, regions, now):
    left_out = Category.objects.get(name="Tidak terdata (exclusion error)")
    complaint = complaint_in(now, users, regions, category=left_out)
    kept = snapshot(complaint)
    page = desk_client.get(reverse("complaints:propose", args=[complaint.pk]), follow=True)
    assert "Posko mengusulkan keluarga selama pengaduan ditangani." in page.content.decode()
    assert page.context["can_propose"] is False
    assert snapshot(complaint) == kept


def test_the_public_page_follows_each_status_with_the_day_it_was_resolved(
    client, users, regions, units
):
    cache.delete("complaint-status:127.0.0.1")
    complaint = complaint_in(S.WAITING, users, regions)

    def shown():
        page = client.get(reverse("complaints:status"), {"ticket": complaint.ticket})
        return page.content.decode()

    assert "menunggu pelapor" in shown()
    desk.move(complaint, S.RESOLVED, by=users["desk"], resolution="Cair")
    assert f"selesai {timezone.localdate():%d-%m-%Y}" in shown()
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"], note="Lagi")
    assert "sedang ditangani" in shown() and "selesai " not in shown()
    desk.move(complaint, S.REJECTED, by=users["desk"], note="Ganda")
    assert "ditolak" in shown()
    cache.delete("complaint-status:127.0.0.1")


# --- what the complaint desk downloads ------------------------------------------------------


def october_complaints(users, regions, units):
    """Five complaints received in October 2026, one from September resolved in October and
    one from November, each moved on the days written here."""

    def at(month, day, hour=9):
        return timezone.make_aware(datetime.datetime(2026, month, day, hour))

    def received(when, channel, category, desa=None):
        return desk.log(
            by=users["desk"],
            channel=channel,
            category=Category.objects.get(name=category),
            complainant_name="Sumarni Wulandari",
            desa=desa,
            story="Belum menerima bantuan",
            received_at=when,
        )

    C, me = Complaint.Channel, users["desk"]
    on_time = received(at(10, 5), C.WALK_IN, "Belum menerima bantuan", regions["desa_a"])
    desk.move(on_time, S.HANDLING, by=me, assign=me, at=at(10, 5, 10))
    desk.move(on_time, S.RESOLVED, by=me, resolution="Cair", at=at(10, 7))  # 2 days
    late = received(at(10, 6), C.WALK_IN, "Belum menerima bantuan", regions["desa_a"])
    desk.move(late, S.HANDLING, by=me, forward=units["village_a"], at=at(10, 6, 10))
    desk.move(late, S.RESOLVED, by=me, resolution="Cair", at=at(10, 20))  # 10 days, due 13th
    never = received(at(10, 12), C.PHONE, "Bantuan ganda", regions["desa_b"])
    slow = received(at(10, 19), C.WHATSAPP, "Bantuan ganda", regions["desa_b"])
    desk.move(slow, S.HANDLING, by=me, assign=me, at=at(10, 26))  # triage was due on the 22nd
    rejected = received(at(10, 20), C.LETTER, "Lainnya")
    desk.move(rejected, S.REJECTED, by=me, note="Ganda", at=at(10, 21))
    september = received(at(9, 28), C.LETTER, "Lainnya")
    desk.move(september, S.HANDLING, by=me, assign=me, at=at(9, 28, 10))
    desk.move(september, S.RESOLVED, by=me, resolution="Cair", at=at(10, 2))  # 4 days
    received(at(11, 2), C.PHONE, "Lainnya")
    return never


def sheet_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_the_monthly_xlsx_holds_the_months_figures_and_its_tables(login, users, regions, units):
    never = october_complaints(users, regions, units)
    desk.move(never, S.HANDLING, by=users["desk"], assign=users["desk"])  # today, not October
    response = login(users["head"]).get(
        reverse("complaints:report"), {"month": "2026-10", "format": "xlsx"}
    )
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="pengaduan-2026-10.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Ringkasan", "Kategori", "Saluran", "Kecamatan", "Desa", "Status"]
    assert sheet_rows(book["Ringkasan"]) == [
        ["Pengaduan bulan 10-2026", None],
        ["Diterima", 5],
        ["Selesai dalam bulan ini", 3],
        ["Rata-rata hari kerja sampai selesai", 5.3],
        ["Terlama, dalam hari kerja", 10],
        ["Selesai melewati batas waktu", 1],
        ["Terlambat dipilah", 2],
        ["Lewat batas waktu pada akhir bulan, semua pengaduan terbuka", 1],
    ]
    expected = {
        "Kategori": {"Belum menerima bantuan": 2, "Bantuan ganda": 2, "Lainnya": 1},
        "Saluran": {"datang langsung": 2, "telepon": 1, "WhatsApp": 1, "surat": 1},
        "Kecamatan": {"Purworejo": 2, "Grabag": 2, "'-": 1},
        "Desa": {"Sindurjan, Purworejo": 2, "Harjobinangun, Grabag": 2, "'-": 1},
        "Status": {"selesai": 2, "baru": 1, "sedang ditangani": 1, "ditolak": 1},
    }
    for name, counts in expected.items():
        header, *rows = sheet_rows(book[name])
        assert header == [name, "Pengaduan"] and book[name]["A1"].font.bold
        assert dict(rows) == counts
        assert [n for _label, n in rows] == sorted(counts.values(), reverse=True)
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
    assert not any("Sumarni" in value for value in cells)


def test_a_month_without_complaints_downloads_zeros_and_empty_tables(login, users):
    response = login(users["desk"]).get(
        reverse("complaints:report"), {"month": "2025-02", "format": "xlsx"}
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    summary = sheet_rows(book["Ringkasan"])
    assert summary[0][0] == "Pengaduan bulan 02-2025"
    assert [value for _label, value in summary[1:]] == [0, 0, None, None, 0, 0, 0]
    assert sheet_rows(book["Status"]) == [["Status", "Pengaduan"]]


def test_a_category_named_like_a_formula_is_written_as_text(login, users, regions):
    risky = Category.objects.create(name='=HYPERLINK("http://contoh.test","klik")')
    walk_in(users, regions, category=risky)
    month = f"{timezone.localdate():%Y-%m}"
    response = login(users["staff"]).get(
        reverse("complaints:report"), {"month": month, "format": "xlsx"}
    )
    cell = openpyxl.load_workbook(io.BytesIO(response.content))["Kategori"]["A2"]
    assert (cell.value, cell.data_type) == ("'" + risky.name, "s")


def test_an_attachment_downloads_under_its_own_name_and_type(login, users, units, complaint):
    pdf = b"%PDF-1.4\n" + b"0" * 100
    desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["agency"])
    agency = login(users["agency"])
    agency.post(
        reverse("complaints:attachment_add", args=[complaint.pk]),
        {"file": SimpleUploadedFile("surat dinas.pdf", pdf)},
    )
    (attachment,) = complaint.attachments.all()
    assert attachment.uploaded_by == users["agency"]
    response = agency.get(reverse("complaints:attachment", args=[attachment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="surat dinas.pdf"'
    assert b"".join(response.streaming_content) == pdf
    desk_copy = login(users["desk"]).get(reverse("complaints:attachment", args=[attachment.pk]))
    assert b"".join(desk_copy.streaming_content) == pdf


# --- who opens which page -------------------------------------------------------------------

DESK = {"admin", "desk"}
ACCESS = [
    ("complaints:list", set(ROLES), None),
    ("complaints:detail", DESK | {"village"}, 404),
    ("complaints:slip", DESK, 403),
    ("complaints:propose", DESK, 403),
    ("complaints:create", DESK, 403),
    ("complaints:categories", DESK, 403),
    ("complaints:report", DESK | {"staff", "head"}, 403),
]
NEEDS_PK = {"complaints:detail", "complaints:slip", "complaints:propose"}


@pytest.fixture
def forwarded(users, units, regions):
    """A left-out family's complaint forwarded to Sindurjan: the desk may still propose it."""
    complaint = walk_in(
        users, regions, category=Category.objects.get(name="Tidak terdata (exclusion error)")
    )
    return desk.move(complaint, S.HANDLING, by=users["desk"], forward=units["village_a"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "allowed", "refused"), ACCESS, ids=[a[0] for a in ACCESS])
def test_each_role_opens_the_complaint_pages_meant_for_it(
    login, users, forwarded, role, name, allowed, refused
):
    url = reverse(name, args=[forwarded.pk] if name in NEEDS_PK else [])
    response = login(users[role]).get(url)
    assert response.status_code == (200 if role in allowed else refused)
    if name == "complaints:detail" and role in allowed:
        assert forwarded.ticket in response.content.decode()


def test_each_role_lists_only_the_complaints_it_handles_or_reads(
    login, users, units, regions, households, forwarded
):
    about_data = walk_in(
        users,
        regions,
        category=Category.objects.get(name="Data salah (nama, NIK, alamat)"),
        household=households["a"],
    )
    to_agency = walk_in(users, regions)
    desk.move(to_agency, S.HANDLING, by=users["desk"], forward=units["agency"])
    everything = {forwarded.ticket, about_data.ticket, to_agency.ticket}
    expected = {
        "admin": everything,
        "desk": everything,
        "staff": {about_data.ticket},
        "head": {about_data.ticket},
        "village": {forwarded.ticket},
        "village_b": set(),
        "agency": {to_agency.ticket},
    }
    for role, tickets in expected.items():
        page = login(users[role]).get(reverse("complaints:list"))
        assert {c.ticket for c in page.context["page"]} == tickets, role


def test_an_administrator_moves_a_complaint_as_the_desk_does(login, users, forwarded):
    login(users["admin"]).post(
        reverse("complaints:move", args=[forwarded.pk]),
        {"to": "rejected", "note": "Pengaduan ganda"},
    )
    forwarded.refresh_from_db()
    step = forwarded.steps.last()
    assert (forwarded.status, step.by, step.note) == (S.REJECTED, users["admin"], "Pengaduan ganda")
