from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from audit import backups


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into BACKUP_DIR (the newest BACKUP_KEEP "
        "of each are kept). Run it every night; copy BACKUP_DIR to another machine."
    )

    def handle(self, *args, **options):
        call_command("dbbackup", "--clean", "--compress", verbosity=0)
        name, count = backups.back_up_files()
        self.stdout.write(
            self.style.SUCCESS(
                f"Database and {count} uploaded files backed up in {settings.BACKUP_DIR} ({name})."
            )
        )
