import json
import time
from collections import Counter
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from bansos.commands import OneLineRefusal
from dedup import pipeline
from dedup.exports import write_result_csv
from dedup.models import Result, Run
from households.models import Region, Unit, User
from households.regions import load_district
from programs.intake import imports, rosters
from programs.intake import tasks as intake
from programs.management.commands.import_roster import importer, program_by_code
from programs.models import Program, ProposalBatch, RosterVersion, Upload

POLL_SECONDS = 0.1  # a look at one row: cheap, and a worker waits on it
UNIT = "Pemeriksaan berkas (dedup_files)"


class Command(OneLineRefusal, BaseCommand):
    help = (
        "Cross-check a proposal file against roster files offline, through the same intake, "
        "Celery pipeline and settings as the browser, and write the result CSV of the data "
        "contract (one row per proposal data row). Each roster file becomes the active version "
        "of its programme, as an import on the roster page would: run it on a database of its "
        "own (DATABASE_URL), not on the office's, unless those files are the new lists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--proposals", required=True, help="the proposal file (usulan)")
        parser.add_argument(
            "--roster",
            action="append",
            default=[],
            metavar="CODE=FILE",
            help="a programme's roster file; repeat for each programme",
        )
        parser.add_argument("--output", required=True, help="where to write the result CSV")
        parser.add_argument(
            "--regions",
            metavar="CODE",
            help="load this district's regions first (e.g. 33.06); needed once per database",
        )
        parser.add_argument(
            "--summary",
            metavar="FILE",
            help="also write the counts and the seconds each step took there, as JSON",
        )
        parser.add_argument("--user", help="username recorded as the importer")
        parser.add_argument(
            "--timeout", type=int, default=3600, help="seconds to wait for each background step"
        )

    def handle(
        self, *args, proposals, roster, output, regions, user, timeout, summary=None, **options
    ):
        translation.activate("id")
        self.timeout = timeout
        self.started = time.monotonic()
        rosters_given = [self.parse_roster(value) for value in roster]
        proposal_path = self.existing(proposals)
        if regions:
            load_district(regions)
        if not Region.objects.filter(level=Region.Level.VILLAGE).exists():
            raise CommandError(
                _("No regions are loaded: run with --regions CODE (e.g. --regions 33.06).")
            )
        importer = self.importer(user)

        # With several workers the files are read side by side, the longest first, so the
        # workers finish close together. No one previews the proposals: they are checked and
        # saved in one pass.
        by_size = sorted(rosters_given, key=lambda given: -given[1].stat().st_size)
        proposal_upload = self.start_proposals(proposal_path, importer)
        queued = [self.start_roster(*given, importer) for given in by_size]
        versions = [
            self.roster_version(program, upload)
            for (program, _path), upload in zip(by_size, queued, strict=True)
        ]
        batch = self.proposal_batch(proposal_upload)
        files_ready = self.elapsed()["seconds"]
        run = pipeline.start_run(batches=[batch], user=importer, versions=versions or None)
        run = self.wait(run, "run")
        checked = self.elapsed()["seconds"]
        self.stdout.write(_("Cross-check done after %(seconds).1f s") % self.elapsed())
        if run.status != Run.Status.DONE:
            raise CommandError(_("The cross-check failed: %(error)s") % {"error": run.error})
        results = run.results.order_by("proposal_row__row_number")
        refused = self.rows_not_stored(proposal_upload)
        self.check_every_row(proposal_upload, results, refused)
        with open(output, "w", encoding="utf-8", newline="") as stream:
            write_result_csv(stream, results, refused)
        counts = {
            status: run.results.filter(status=status).count()
            for status, _label in run.results.model.Status.choices
        }
        counts[Result.Status.INVALID] += len(refused)
        written = self.elapsed()["seconds"]
        self.stdout.write(
            _("%(rows)s rows cross-checked in %(seconds).1f s: %(summary)s. Written to %(path)s.")
            % {
                "rows": proposal_upload.rows_read,
                "seconds": written,
                "summary": ", ".join(f"{status} {n}" for status, n in counts.items()),
                "path": output,
            }
        )
        if summary:
            seconds = {"files_ready": files_ready, "cross_checked": checked, "written": written}
            figures = {
                "rows": proposal_upload.rows_read,
                "statuses": counts,
                "seconds": {step: round(value, 2) for step, value in seconds.items()},
            }
            Path(summary).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")

    # --- every row once, in its place ------------------------------------------------------

    def rows_not_stored(self, upload: Upload) -> dict[int, str]:
        """The file's rows that are no proposal row (a header repeated in the data, a family
        the proposal holds already), with why, from the upload's own account of its rows."""
        upload.refresh_from_db()
        stored = set(upload.rows.values_list("raw__row", flat=True))
        reasons: dict[int, list[str]] = {}
        for problem in upload.problems:
            if problem["row"] not in stored:
                reasons.setdefault(problem["row"], []).append(problem["message"])
        return {row: "; ".join(messages) for row, messages in reasons.items()}

    def check_every_row(self, upload: Upload, results, refused: dict[int, str]) -> None:
        """Each data row of the file has exactly one result row, numbered by its place in the
        file; anything else is a fault to report, never a file to hand to staff."""
        numbers = [*results.values_list("proposal_row__row_number", flat=True), *refused]
        expected = range(1, upload.rows_read + 1)
        if sorted(numbers) != list(expected):
            counted = Counter(numbers)
            missing = [n for n in expected if n not in counted][:10]
            twice = sorted(n for n, c in counted.items() if c > 1)[:10]
            raise CommandError(
                _(
                    "The result does not hold every row of the file once: %(read)s rows read, "
                    "%(written)s results; missing %(missing)s, more than once %(twice)s. "
                    "Nothing was written."
                )
                % {
                    "read": upload.rows_read,
                    "written": len(numbers),
                    "missing": missing,
                    "twice": twice,
                }
            )

    # --- the steps --------------------------------------------------------------------------

    def start_roster(self, program: Program, path: Path, user: User) -> Upload:
        with path.open("rb") as opened:
            upload = rosters.start_import(
                program=program,
                period=f"dedup_files {path.name}",
                file=File(opened, name=path.name),
                filename=path.name,
                user=user,
            )
        intake.import_roster.delay(upload.pk)
        return upload

    def roster_version(self, program: Program, upload: Upload) -> RosterVersion:
        upload = self.wait(upload, "upload", done={Upload.Status.DONE, Upload.Status.REFUSED})
        if upload.status == Upload.Status.REFUSED:
            raise CommandError(f"{program.code}: {upload.error}")
        self.stdout.write(
            _("%(code)s: %(rows)s rows, ready after %(seconds).1f s")
            % {"code": program.code, "rows": f"{upload.rows_saved:,}", **self.elapsed()}
        )
        return upload.version

    def start_proposals(self, path: Path, user: User) -> Upload:
        unit, _created = Unit.objects.get_or_create(name=UNIT, kind=Unit.Kind.AGENCY)
        batch = ProposalBatch.objects.create(unit=unit, title=path.name, created_by=user)
        with path.open("rb") as opened:
            upload = imports.start_upload(
                kind=Upload.Kind.PROPOSAL,
                file=File(opened, name=path.name),
                filename=path.name,
                user=user,
                batch=batch,
            )
        intake.check_and_save.delay(upload.pk)
        return upload

    def proposal_batch(self, upload: Upload) -> ProposalBatch:
        upload = self.wait(upload, "upload", done={Upload.Status.DONE, Upload.Status.REFUSED})
        if upload.status == Upload.Status.REFUSED:
            raise CommandError(upload.error)
        self.stdout.write(
            _(
                "Proposals: %(read)s rows read = %(valid)s valid + %(invalid)s with problems + "
                "%(known)s already in the proposal + %(headers)s repeated header rows; ready "
                "after %(seconds).1f s"
            )
            % {
                "read": upload.rows_read,
                "valid": upload.rows_valid,
                "invalid": upload.rows_invalid,
                "known": upload.rows_known,
                "headers": len(upload.summary.get("repeated_headers", [])),
                **self.elapsed(),
            }
        )
        return upload.batch

    def elapsed(self) -> dict[str, float]:
        return {"seconds": time.monotonic() - self.started}

    def wait(self, obj, kind: str, done: set[str] | None = None):
        """Until a background task (or an in-process one) has finished with `obj`."""
        finished = done or {Run.Status.DONE, Run.Status.FAILED}
        deadline = time.monotonic() + self.timeout
        while True:
            obj.refresh_from_db()
            if obj.status in finished:
                return obj
            if time.monotonic() > deadline:
                raise CommandError(
                    _(
                        "Nothing finished %(what)s %(id)s within %(seconds)s s: is a Celery "
                        "worker running (make worker)?"
                    )
                    % {"what": kind, "id": obj.pk, "seconds": self.timeout}
                )
            time.sleep(POLL_SECONDS)

    # --- arguments --------------------------------------------------------------------------

    def parse_roster(self, value: str) -> tuple[Program, Path]:
        code, sep, file = value.partition("=")
        if not sep or not code or not file:
            raise CommandError(_("Give each roster as CODE=FILE, e.g. --roster PKH=pkh.csv."))
        return program_by_code(code), self.existing(file)

    def existing(self, file: str) -> Path:
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": file})
        return path

    def importer(self, username: str | None) -> User:
        found = importer(username)
        if found is None:  # a fresh database of its own: an account that cannot log in
            found, _created = User.objects.get_or_create(
                username="dedup_files", defaults={"role": User.Role.STAFF, "is_active": False}
            )
        return found
