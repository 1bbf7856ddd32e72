"""Shared builders: a small slice of Purworejo with two villages, an agency, users of every role
and households with valid identity numbers."""

import datetime
import itertools
import os

import pytest

from dedup import pipeline
from dedup.models import Result, Run
from households.models import Household, Member, Region, Unit, User
from programs import rounds
from programs.models import (
    Allocation,
    AllocationRound,
    Program,
    ProposalBatch,
    ProposalRow,
    RosterRow,
    RosterVersion,
)

PASSWORD = "sandi-uji-2026"
pytest_plugins = ["tests.workers"]  # start_worker: real worker processes


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (BANSOS_REQUIRE_ALL=1) the services and chromium are there: a skip is a failure."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("BANSOS_REQUIRE_ALL") and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"BANSOS_REQUIRE_ALL is set, so this test may not skip: {reason}"


_serial = itertools.count(1)


def make_nik(district: str = "330606", born=datetime.date(1980, 3, 12), female=False) -> str:
    """A structurally valid NIK, unique within a test (the 4-digit serial wraps after 9,999:
    a whole session makes more, and a fifth digit would make every later number invalid)."""
    day = born.day + (40 if female else 0)
    return f"{district}{day:02d}{born:%m%y}{next(_serial) % 9999 + 1:04d}"


def make_no_kk(district: str = "330606") -> str:
    return f"{district}0101{20:02d}{next(_serial) % 9999 + 1:04d}"


@pytest.fixture(autouse=True)
def tasks_in_process(request):
    """Tasks run in the test's own process, except in tests of the real worker."""
    from bansos.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a folder of the test's own, not the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def no_two_factor_unless_asked(settings):
    # As in `make demo`: the two-factor tests switch it on for the roles they test.
    settings.TWO_FACTOR_REQUIRED_ROLES = []


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def regions(db):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1, kind="provinsi")
    district = Region.objects.create(
        code="33.06", name="Kabupaten Purworejo", level=2, kind="kabupaten", parent=province
    )
    kec_a = Region.objects.create(
        code="33.06.06", name="Purworejo", level=3, kind="kecamatan", parent=district
    )
    kec_b = Region.objects.create(
        code="33.06.01", name="Grabag", level=3, kind="kecamatan", parent=district
    )
    return {
        "district": district,
        "desa_a": Region.objects.create(
            code="33.06.06.1001", name="Sindurjan", level=4, kind="kelurahan", parent=kec_a
        ),
        "desa_b": Region.objects.create(
            code="33.06.01.2001", name="Harjobinangun", level=4, kind="desa", parent=kec_b
        ),
    }


@pytest.fixture
def units(regions):
    return {
        "village_a": Unit.objects.create(
            kind="village", name="Kelurahan Sindurjan", region=regions["desa_a"]
        ),
        "village_b": Unit.objects.create(
            kind="village", name="Desa Harjobinangun", region=regions["desa_b"]
        ),
        "agency": Unit.objects.create(kind="agency", name="Dinas Perhubungan"),
        # Kecamatan Purworejo, whose desa is Sindurjan (village_a); Harjobinangun is Grabag's.
        "kecamatan": Unit.objects.create(
            kind="kecamatan", name="Kecamatan Purworejo", region=regions["desa_a"].parent
        ),
    }


@pytest.fixture
def users(units):
    def make(username, role, unit=None):
        user = User(username=username, role=role, unit=unit, first_name=username.title())
        user.set_password(PASSWORD)
        user.save()
        return user

    return {
        "admin": make("admin", User.Role.ADMIN),
        "staff": make("staf", User.Role.STAFF),
        "head": make("kepala", User.Role.HEAD),
        "village": make("op.sindurjan", User.Role.VILLAGE, units["village_a"]),
        "village_b": make("op.harjobinangun", User.Role.VILLAGE, units["village_b"]),
        "agency": make("op.dishub", User.Role.AGENCY, units["agency"]),
        "desk": make("posko", User.Role.DESK),
        "kecamatan": make("tksk.purworejo", User.Role.KECAMATAN, units["kecamatan"]),
    }


@pytest.fixture
def make_household(regions):
    def make(desa=None, name="SLAMET RIYADI", **fields) -> Household:
        desa = desa or regions["desa_a"]
        district = desa.code.replace(".", "")[:6]
        fields.setdefault("head_nik", make_nik(district))
        fields.setdefault("no_kk", make_no_kk(district))
        fields.setdefault("head_sex", "L")
        fields.setdefault("head_birth_date", datetime.date(1980, 3, 12))
        fields.setdefault("address", "DUSUN KRAJAN")
        fields.setdefault("rt", "002")
        fields.setdefault("rw", "005")
        household = Household(desa=desa, head_name=name, **fields)
        household.full_clean()
        household.save()
        return household

    return make


@pytest.fixture
def households(make_household, regions):
    """One family in each village, the first with a wife listed as member."""
    a = make_household(regions["desa_a"], "SLAMET RIYADI")
    Member.objects.create(
        household=a,
        nik=make_nik("330606", datetime.date(1982, 7, 1), female=True),
        name="SRI WAHYUNI",
        sex="P",
        relation=Member.Relation.SPOUSE,
    )
    b = make_household(regions["desa_b"], "SUPARMAN")
    return {"a": a, "b": b}


@pytest.fixture
def batches(users, units, households):
    """A village batch per village and one agency batch proposing the Harjobinangun family."""

    def make(unit, user, title, household):
        batch = ProposalBatch.objects.create(unit=unit, title=title, created_by=user)
        ProposalRow.objects.create(
            batch=batch,
            row_number=1,
            no_kk=household.no_kk,
            nik=household.head_nik,
            name=household.head_name,
            address=household.address,
            desa=household.desa,
            household=household,
        )
        ProposalRow.objects.create(
            batch=batch,
            row_number=2,
            nik="3.30601E+15",
            name="TUKIYEM",
            status=ProposalRow.Status.INVALID,
            problems=[{"column": "nik", "message": "NIK rusak oleh Excel"}],
        )
        return batch

    return {
        "a": make(units["village_a"], users["village"], "Usulan Sindurjan", households["a"]),
        "b": make(units["village_b"], users["village_b"], "Usulan Harjobinangun", households["b"]),
        "agency": make(units["agency"], users["agency"], "Usulan becak", households["b"]),
    }


@pytest.fixture
def roster(households, regions):
    """An active PKH roster listing family A under the wife's NIK, family B under the head."""
    program = Program.objects.get(code="PKH")
    version = RosterVersion.objects.create(program=program, period="Oktober 2026")
    wife = households["a"].members.get()
    for number, (household, nik, name) in enumerate(
        [
            (households["a"], wife.nik, wife.name),
            (households["b"], households["b"].head_nik, households["b"].head_name),
        ],
        start=1,
    ):
        RosterRow.objects.create(
            version=version,
            row_number=number,
            no_kk=household.no_kk,
            nik=nik,
            name=name,
            desa=household.desa,
            address=household.address,
        )
    version.row_count = 2
    version.save()
    version.activate()
    return version


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return as_user


# --- the cross-check ------------------------------------------------------------------------


@pytest.fixture
def run_on_commit(monkeypatch):
    # The test's transaction never commits: queue the chunks at once, as a commit would.
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, *a, **k: func())


def program(code: str) -> Program:
    # A transactional test (browser, worker) empties the tables after it, migrated ones too.
    found, _created = Program.objects.get_or_create(
        code=code, defaults={"name": code, "level": "pusat", "funding": "apbn"}
    )
    return found


@pytest.fixture
def doubtful_run(users, units, regions, run_on_commit):
    """A village's proposal of two families: SLAMET is on PKH as he is; SUPARNO's NIK on BST
    (which lists only NIK and name) is one digit off, so a person must decide."""
    batch = ProposalBatch.objects.create(
        unit=units["village_a"], title="Usulan Sindurjan", created_by=users["village"]
    )
    rows = [
        ProposalRow.objects.create(
            batch=batch,
            row_number=n,
            nik=make_nik(),
            no_kk=make_no_kk(),
            name=name,
            address="DUSUN KRAJAN",
            rt="002",
            rw="005",
            desa=regions["desa_a"],
        )
        for n, name in enumerate(["SLAMET RIYADI", "SUPARNO"], start=1)
    ]
    pkh = RosterVersion.objects.create(program=program("PKH"), period="2026")
    RosterRow.objects.create(version=pkh, row_number=1, nik=rows[0].nik, name="SLAMET RIYADI")
    pkh.activate()
    bst = RosterVersion.objects.create(program=program("BST"), period="2026")
    # One digit off SUPARNO's NIK, and not SLAMET's (their serials are two apart).
    slipped = next(
        typed
        for digit in "0123456789"
        if (typed := rows[1].nik[:-1] + digit) not in (rows[1].nik, rows[0].nik)
    )
    RosterRow.objects.create(version=bst, row_number=7, nik=slipped, name="SUPARNO")
    bst.activate()
    return pipeline.start_run(batches=[batch], user=users["staff"])


@pytest.fixture(scope="module")
def worker(django_db_blocker):
    """A real Celery worker in this process, through the configured broker (tests marked
    `worker`, which skip without REDIS_URL)."""
    from celery.contrib.testing.worker import start_worker

    from bansos.celery import app

    app.control.purge()  # nothing left over from an earlier run may reach this worker
    with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False):
        yield


@pytest.fixture
def returned(users, doubtful_run):
    """SLAMET, allocated to JPS over his PKH (an override), returned: no name, no RT."""
    round_ = AllocationRound.objects.create(
        name="JPS Mei", run=doubtful_run, order=["desil"], created_by=users["staff"]
    )
    round_.targets.create(program=program("JPSKAB"), budget=10**9, position=0)
    row = Result.objects.get(proposal_row__name="SLAMET RIYADI").proposal_row
    plan = rounds.plan_round(round_, overrides={row.pk: ("JPSKAB", "PKH dihentikan")})
    (allocation,) = rounds.save_plan(round_, plan, by=users["staff"])
    ProposalRow.objects.filter(pk=row.pk).update(name="-", rt="")
    assert rounds.revalidate_jps(round_, by=users["staff"])["returned"] == 1
    allocation.refresh_from_db()
    return allocation


@pytest.fixture
def round_(users, units, regions, make_household):
    """A saved round on the provincial quota, for the verification and distribution tests: SLAMET
    RIYADI and SUPARNO of Sindurjan (village_a), SUPARMAN of Harjobinangun (village_b)."""
    staff = users["staff"]
    run = Run.objects.create(created_by=staff, status=Run.Status.DONE)
    made = AllocationRound.objects.create(name="Bansos Juli 2026", run=run, created_by=staff)
    province = program("BANSOSPROV")
    made.targets.create(program=province, places=5, position=0)
    batches = {}
    for number, (unit, operator, desa, name) in enumerate(
        [
            ("village_a", "village", "desa_a", "SLAMET RIYADI"),
            ("village_a", "village", "desa_a", "SUPARNO"),
            ("village_b", "village_b", "desa_b", "SUPARMAN"),
        ],
        start=1,
    ):
        if unit not in batches:
            batches[unit] = ProposalBatch.objects.create(
                unit=units[unit], title=f"Usulan {unit}", created_by=users[operator]
            )
        household = make_household(regions[desa], name)
        row = ProposalRow.objects.create(
            batch=batches[unit],
            row_number=number,
            household=household,
            no_kk=household.no_kk,
            nik=household.head_nik,
            name=name,
            address=household.address,
            rt=household.rt,
            rw=household.rw,
            desa=household.desa,
        )
        Allocation.objects.create(
            round=made, household=household, proposal_row=row, target=province
        )
    run.batches.set(batches.values())
    return made
