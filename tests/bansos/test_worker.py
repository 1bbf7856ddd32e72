"""A real Celery worker, through Redis, against the configured database (PostgreSQL in CI).

Runs where REDIS_URL is set; on a newcomer's machine tasks run in-process instead and the other
tests cover them. CI sets REDIS_URL, and there a skip here counts as a failure.
"""

import time

import pytest
from django.conf import settings
from django.urls import reverse

from households.models import Region

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker to use"),
]


def _wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_worker_loads_a_district_requested_in_the_browser(worker, client, users):
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("regions:list"), {"code": "33.07"})
    assert response.status_code == 302
    assert _wait_for(
        lambda: Region.objects.filter(level=4, code__startswith="33.07.").count() == 265
    )


@pytest.mark.django_db(transaction=True)
def test_health_endpoint_sees_redis_and_a_worker(worker, client, settings):
    from tests.bansos.test_security import health

    status, checks = health(client, settings)
    assert (status, checks["Database"], checks["Redis"], checks["Ping"]) == (200, "OK", "OK", "OK")


@pytest.mark.django_db(transaction=True)
def test_worker_checks_and_saves_a_proposal_upload(worker, client, users, units):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.models import ProposalBatch, Upload
    from tests.conftest import make_nik, make_no_kk

    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan", created_by=users["village"]
    )
    lines = (
        ["NO KK;NIK;NAMA;ALAMAT;DESA;KECAMATAN"]
        + [
            f"{make_no_kk()};{make_nik()};WARGA {i};DUSUN KRAJAN;Sindurjan;Purworejo"
            for i in range(50)
        ]
        + ["3306;3.30606E+15;TUKIYEM;DUSUN KRAJAN;Sindurjan;Purworejo"]
    )
    file = SimpleUploadedFile("usulan.csv", "\n".join(lines).encode())
    client.force_login(users["village"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(reverse("programs:batch_upload", args=[batch.pk]), {"file": file})
    upload = Upload.objects.get()
    assert _wait_for(lambda: Upload.objects.get().status == "checked")
    client.post(reverse("programs:upload_confirm", args=[upload.pk]))
    assert _wait_for(lambda: Upload.objects.get().status == "done")
    assert batch.rows.filter(status="valid").count() == 50
    assert batch.rows.filter(status="invalid").count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_imports_a_roster_and_activates_it(worker, client, users, regions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from programs.models import Program, RosterVersion
    from tests.conftest import make_nik, make_no_kk

    # Earlier tests of this module empty the database, preloaded programmes included.
    Program.objects.get_or_create(
        code="BPNT",
        defaults={"name": "Bantuan Pangan Non Tunai", "level": "pusat", "funding": "apbn"},
    )

    lines = [
        "NOMOR KK|NOMOR NIK|NAMA|DESA/KELURAHAN|KECAMATAN",
        *(f"{make_no_kk()}|{make_nik()}|WARGA {i}|SINDURJAN|PURWOREJO" for i in range(120)),
    ]
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("programs:roster_import", args=["BPNT"]),
        {
            "period": "Januari 2027",
            "file": SimpleUploadedFile("bpnt.csv", "\n".join(lines).encode()),
        },
    )
    assert response.status_code == 302, response.content.decode()[-800:]
    assert _wait_for(lambda: RosterVersion.objects.get(period="Januari 2027").status == "active")
    assert RosterVersion.objects.get(period="Januari 2027").rows.count() == 120
