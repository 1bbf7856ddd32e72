from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.district import PASSWORD, SCALES, load_demo


class Command(BaseCommand):
    help = (
        "Fill the database with a demo of Kabupaten Purworejo: logins, families, programme "
        "rosters, proposals and an aid list being paid. Running it again changes nothing and "
        "shows the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="small",
            help="small: about 2,500 families, seconds (default); district: about 300,000 "
            "families and a million roster rows, minutes, for benchmarks.",
        )
        parser.add_argument(
            "--seed", type=int, default=2020, help="the same seed gives the same district"
        )

    def handle(self, *args, scale: str, seed: int, verbosity: int, **options):
        if not settings.DEBUG:
            # Its accounts have a published password: they must never reach a real office.
            raise CommandError("Demo data is for development only: run it with DEBUG=true.")
        try:
            # The district scale takes minutes: show its progress kecamatan by kecamatan.
            progress = verbosity > 1 or (verbosity == 1 and scale == "district")
            summary = load_demo(scale, seed, self.stdout if progress else None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if summary.created:
            self.stdout.write(self.style.SUCCESS(f"Demo loaded in {summary.seconds:.1f} s."))
        else:
            self.stdout.write("The demo is already loaded; nothing was changed.")
        self.stdout.write(
            f"Households: {summary.households:,}, members: {summary.members:,}, "
            f"proposal batches: {summary.batches} with {summary.proposal_rows:,} rows "
            f"({summary.invalid_proposal_rows:,} to fix)."
        )
        self.stdout.write(f"Roster rows: {summary.roster_rows:,}")
        for code, period, status, rows, damaged in summary.versions:
            self.stdout.write(
                f"  {code:<11} {period:<15} {status:<11} {rows:>9,} ({damaged} damaged)"
            )
        if summary.tranches:
            statuses = ", ".join(f"{n:,} {status}" for status, n in summary.payments.items())
            self.stdout.write(
                f"Approved lists: {summary.approved_lists}, tranches: {summary.tranches}, "
                f"payments: {sum(summary.payments.values()):,} ({statuses})."
            )
        if summary.kept_users:
            self.stdout.write(
                self.style.WARNING(
                    "These accounts existed already and were left as they were: "
                    + ", ".join(summary.kept_users)
                )
            )
        self.stdout.write("")
        self.stdout.write(f"Demo logins, password for all: {PASSWORD}")
        width = max((len(login.username) for login in summary.logins), default=8) + 2
        role_width = max((len(login.role) for login in summary.logins), default=4) + 2
        self.stdout.write(f"  {'username':<{width}}{'role':<{role_width}}unit")
        for login in summary.logins:
            kept = (
                " (existing account, own password)" if login.username in summary.kept_users else ""
            )
            self.stdout.write(
                f"  {login.username:<{width}}{login.role:<{role_width}}{login.unit}{kept}"
            )
        required = ", ".join(settings.TWO_FACTOR_REQUIRED_ROLES) or "none"
        self.stdout.write(
            f"Two-factor sign-in is required of: {required} (TWO_FACTOR_REQUIRED_ROLES). "
            "`make demo` serves with none, so the demo accounts skip it; an office's "
            "administrators and head set it up at their first sign-in."
        )
