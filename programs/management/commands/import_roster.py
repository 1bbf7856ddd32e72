import time
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from bansos.commands import OneLineRefusal
from households.models import User
from programs.intake import rosters
from programs.models import Program, Upload


class Command(OneLineRefusal, BaseCommand):
    help = (
        "Import a programme roster file (.xlsx, .xls or .csv) as a new version of the "
        "programme's list for a period, the same way as the roster page does. The new version "
        "replaces the active one only when every row is stored; if the file is refused or the "
        "import fails, the previous version stays active. Each run creates a new version, so "
        "running it twice with the same file loads that period twice (the second load "
        "supersedes the first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster file exported by the ministry or office")
        parser.add_argument(
            "--program", required=True, help="programme code, e.g. DTSEN, PKH, BPNT"
        )
        parser.add_argument("--period", required=True, help='e.g. "Januari 2026"')
        parser.add_argument(
            "--user",
            help="username recorded as the importer (default: the first active administrator)",
        )

    def handle(self, *args, file: str, program: str, period: str, user: str | None, **options):
        found = program_by_code(program)
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": file})
        importer = self.importer(user)

        started = time.monotonic()
        with path.open("rb") as opened:
            upload = rosters.start_import(
                program=found,
                period=period,
                file=File(opened, name=path.name),
                filename=path.name,
                user=importer,
            )
        self.stdout.write(
            _("Importing %(name)s as %(code)s %(period)s...")
            % {"name": path.name, "code": found.code, "period": period}
        )
        upload = rosters.run_import(upload.pk, progress=self.show_progress)
        self.stdout.write("")
        if upload.status == Upload.Status.REFUSED:
            raise CommandError(upload.error)
        self.show_summary(upload, time.monotonic() - started)

    def importer(self, username: str | None) -> User:
        user = importer(username)
        if user is None:
            raise CommandError(
                _(
                    "There is no active administrator to record as the importer: name one "
                    "with --user."
                )
            )
        return user

    def show_progress(self, upload: Upload) -> None:
        line = _("%(read)s rows read, %(saved)s stored, %(invalid)s with problems") % {
            "read": _number(upload.rows_read),
            "saved": _number(upload.rows_saved),
            "invalid": _number(upload.rows_invalid),
        }
        # One line that rewrites itself on a terminal; a log file gets one line per chunk.
        ending = "\r" if self.stdout.isatty() else "\n"
        self.stdout.write(line.ljust(70), ending=ending)
        self.stdout.flush()

    def show_summary(self, upload: Upload, seconds: float) -> None:
        version, summary = upload.version, upload.summary
        rate = upload.rows_saved / seconds if seconds else 0
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                _("Version %(code)s %(period)s (no. %(id)s) is now the active list.")
                % {"code": version.program.code, "period": version.period, "id": version.pk}
            )
        )
        write(_("Rows stored: %(count)s") % {"count": _number(upload.rows_saved)})
        write(
            _("Rows with damaged identifiers: %(count)s")
            % {"count": _number(version.problem_count)}
        )
        write(_("Rows with problems: %(count)s") % {"count": _number(upload.rows_invalid)})
        for kind, count in summary.get("problem_kinds", []):
            write(f"  {kind}: {_number(count)}")
        if summary.get("desa_not_found"):
            write(
                _("Rows whose desa was not found: %(count)s")
                % {"count": _number(summary["desa_not_found"])}
            )
        recognised = ", ".join(f"{h} -> {c}" for h, c in summary.get("recognised", []))
        write(_("Columns recognised: %(columns)s") % {"columns": recognised})
        write(_("Columns ignored: %(columns)s") % {"columns": ", ".join(summary["ignored"]) or "-"})
        write(
            _("Time taken: %(seconds)s s (%(rate)s rows per second)")
            % {"seconds": f"{seconds:.1f}", "rate": _number(round(rate))}
        )


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def importer(username: str | None) -> User | None:
    """Who a command records as the importer: the named active user, else the first active
    administrator (None when there is none)."""
    if username:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user %(username)s.") % {"username": username})
        return user
    return User.objects.filter(role=User.Role.ADMIN, is_active=True).order_by("pk").first()


def program_by_code(code: str) -> Program:
    """The programme a command names by its code, in any case; refused with the known codes."""
    found = Program.objects.filter(code__iexact=code.strip()).first()
    if found is None:
        codes = ", ".join(Program.objects.values_list("code", flat=True))
        raise CommandError(
            _("There is no programme %(code)s. Known codes: %(codes)s.")
            % {"code": code, "codes": codes}
        )
    return found
