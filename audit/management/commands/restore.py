from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from audit import backups


class Command(BaseCommand):
    help = (
        "Restore the newest backup in BACKUP_DIR into an empty installation: the database, "
        "then the uploaded files. The database must be empty (created, not migrated)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--noinput", action="store_true", help="do not ask to confirm")

    def handle(self, *args, noinput=False, **options):
        if not noinput:
            answer = input("Restore the newest backup over this installation? [y/N] ")
            if answer.strip().lower() not in ("y", "ya", "yes"):
                raise CommandError("Nothing restored.")
        call_command("dbrestore", "--noinput", "--uncompress", verbosity=0)
        name, count = backups.restore_files()
        self.stdout.write(
            self.style.SUCCESS(f"Database and {count} uploaded files restored ({name}).")
        )
