"""Builders of the verification tests: exclusion lists, roster versions, photos, and the family
of the saved round they screen and visit (`round_`, in tests/conftest.py: three families on
the provincial quota, two in Sindurjan, one in Harjobinangun)."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from households.models import Member
from programs.models import (
    RosterRow,
    RosterVersion,
)
from tests.conftest import make_nik, program
from verification.models import Cycle


def family(round_, name):
    return round_.allocations.get(household__head_name=name).household


def exclusion_list(code, screens_out, rows, period="November 2026"):
    """An active exclusion list of (nik, no_kk, name, birth date) rows."""
    listed = program(code)
    listed.screens_out = screens_out
    listed.save()
    version = RosterVersion.objects.create(program=listed, period=period)
    for n, (nik, kk, name, born) in enumerate(rows, start=1):
        RosterRow.objects.create(
            version=version, row_number=n, nik=nik, no_kk=kk, name=name, birth_date=born
        )
    version.row_count = len(rows)
    version.save()
    version.activate()
    return version


@pytest.fixture
def civil_servants(round_):
    """SLAMET is a civil servant (ASN list: his NIK, his name); a stranger is on it too."""
    slamet = family(round_, "SLAMET RIYADI")
    return exclusion_list(
        "ASN",
        "asn",
        [
            (slamet.head_nik, "", "SLAMET RIYADI", slamet.head_birth_date),
            (make_nik(), "", "BAMBANG SUTOPO", datetime.date(1975, 1, 2)),
        ],
    )


@pytest.fixture
def wife_died(round_):
    """SUPARNO's wife is on the civil registry's deaths list."""
    suparno = family(round_, "SUPARNO")
    wife = Member.objects.create(
        household=suparno,
        nik=make_nik(female=True, born=datetime.date(1984, 5, 6)),
        name="SUWARTI",
        sex="P",
        relation=Member.Relation.SPOUSE,
    )
    exclusion_list("MATI", "death", [(wife.nik, "", "SUWARTI", datetime.date(1984, 5, 6))])
    return wife


@pytest.fixture
def cycle(users):
    return Cycle.objects.create(
        name="Verifikasi Triwulan IV 2026",
        starts_on=datetime.date(2026, 10, 1),
        due_on=datetime.date(2026, 12, 31),
        created_by=users["staff"],
    )


def photo(name="rumah.jpg", size=(3000, 2000), colour=(120, 90, 60)) -> SimpleUploadedFile:
    """A phone camera's JPEG, with EXIF saying who took it and where."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x013B] = "Operator Sindurjan"  # Artist
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def version_of(period, families, code="DTSEN"):
    """An imported DTSEN version of (no_kk, nik, name, desil, desa) families, activated."""
    made = RosterVersion.objects.create(program=program(code), period=period)
    for n, (kk, nik, name, desil, desa) in enumerate(families, start=1):
        RosterRow.objects.create(
            version=made, row_number=n, no_kk=kk, nik=nik, name=name, desil=desil, desa=desa
        )
    return made


@pytest.fixture
def november(round_, regions, django_capture_on_commit_callbacks):
    """DTSEN: SLAMET left in November; SUPARNO's desil rose from 2 to 6; SUPARMAN stayed."""
    slamet, suparno, suparman = (
        family(round_, name) for name in ("SLAMET RIYADI", "SUPARNO", "SUPARMAN")
    )

    def row(household, desil):
        return (household.no_kk, household.head_nik, household.head_name, desil, household.desa)

    october = version_of("Oktober 2026", [row(slamet, 3), row(suparno, 2), row(suparman, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        october.activate()
    made = version_of("November 2026", [row(suparno, 6), row(suparman, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        made.activate()
    return made
