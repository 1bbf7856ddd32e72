"""Past one machine: the web server and a worker share the database and an S3 bucket, never a
folder. Here a real `celery worker` runs in a working folder of its own with a media folder
that holds nothing, the web side (this test) keeps its uploads in an S3 server (moto's,
standing in for MinIO or any S3 service), and a proposal upload, a roster import and a
cross-check still complete."""

import socket
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from moto.server import ThreadedMotoServer

from dedup import pipeline
from dedup.models import Run
from programs.models import Program, ProposalBatch, RosterVersion, Upload
from tests.conftest import make_nik, make_no_kk
from tests.workers import needs_worker, until

pytestmark = needs_worker
BUCKET = "bansos-uploads"
KEYS = {"S3_ACCESS_KEY": "testing", "S3_SECRET_KEY": "testing", "S3_REGION": "us-east-1"}


@pytest.fixture
def s3(settings, tmp_path):
    """An S3 server on a free port with an empty bucket; this process's uploads go there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).create_bucket(Bucket=BUCKET)  # fmt: skip
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "default_acl": None,
            },
        },
    }
    yield {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint, **KEYS}
    server.stop()


def test_a_worker_on_another_machine_reads_what_the_web_server_received(
    client, users, units, regions, s3, start_worker, tmp_path, settings
):
    elsewhere = tmp_path / "worker-machine"
    (elsewhere / "media").mkdir(parents=True)
    start_worker("prefork", env={**s3, "MEDIA_ROOT": str(elsewhere / "media")}, cwd=elsewhere)
    Program.objects.get_or_create(
        code="BPNT",
        defaults={"name": "Bantuan Pangan Non Tunai", "level": "pusat", "funding": "apbn"},
    )

    # A roster, imported by staff.
    families = [(make_no_kk(), make_nik(), f"WARGA {i}") for i in range(30)]
    roster = [
        "NOMOR KK|NOMOR NIK|NAMA|DESA/KELURAHAN|KECAMATAN",
        *(f"{kk}|{nik}|{name}|SINDURJAN|PURWOREJO" for kk, nik, name in families),
    ]
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    roster_file = SimpleUploadedFile("bpnt.csv", "\n".join(roster).encode())
    client.post(
        reverse("programs:roster_import", args=["BPNT"]),
        {"period": "Januari 2027", "file": roster_file},
    )
    until(lambda: RosterVersion.objects.get(period="Januari 2027").status == "active", 120)
    assert RosterVersion.objects.get(period="Januari 2027").rows.count() == 30

    # A village's proposals: ten families already on the roster, ten new.
    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan", created_by=users["village"]
    )
    new = [(make_no_kk(), make_nik(), f"BARU {i}") for i in range(10)]
    proposed = [
        "NO KK;NIK;NAMA;ALAMAT;DESA;KECAMATAN",
        *(f"{kk};{nik};{name};DUSUN KRAJAN;Sindurjan;Purworejo" for kk, nik, name in families[:10]),
        *(f"{kk};{nik};{name};DUSUN KRAJAN;Sindurjan;Purworejo" for kk, nik, name in new),
    ]
    client.force_login(users["village"], backend="django.contrib.auth.backends.ModelBackend")
    client.post(
        reverse("programs:batch_upload", args=[batch.pk]),
        {"file": SimpleUploadedFile("usulan.csv", "\n".join(proposed).encode())},
    )
    upload = Upload.objects.get(kind=Upload.Kind.PROPOSAL)
    until(lambda: Upload.objects.get(pk=upload.pk).status == "checked", 120)
    client.post(reverse("programs:upload_confirm", args=[upload.pk]))
    until(lambda: Upload.objects.get(pk=upload.pk).status == "done", 120)
    assert batch.rows.count() == 20

    # The cross-check, chunked to the worker.
    run = pipeline.start_run(batches=ProposalBatch.objects.filter(pk=batch.pk), user=users["staff"])
    until(lambda: Run.objects.get(pk=run.pk).status == Run.Status.DONE, 120)
    assert run.results.filter(status="in_roster").count() == 10
    assert run.results.filter(status="new").count() == 10

    # Every file went to the bucket; neither machine's media folder holds one.
    stored = sorted(Upload.objects.values_list("file", flat=True))
    assert all(default_storage.exists(name) for name in stored) and len(stored) == 2
    assert not any((elsewhere / "media").rglob("*"))
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.csv"))
