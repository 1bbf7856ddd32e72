from django.conf import settings
from django.core.management.base import BaseCommand

from programs.intake import retention


class Command(BaseCommand):
    help = (
        "Delete proposal and roster files kept UPLOAD_RETENTION_DAYS after their proposal or "
        "roster version closed; what was read from them stays. Run it daily (cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="override UPLOAD_RETENTION_DAYS")
        parser.add_argument("--dry-run", action="store_true", help="list, delete nothing")

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.UPLOAD_RETENTION_DAYS if days is None else days
        items = retention.due(days=days) if dry_run else retention.purge(days=days)
        for item in items:
            self.stdout.write(
                f"{'would delete' if dry_run else 'deleted'} {item.upload.file.name} "
                f"(upload {item.upload.pk}, closed {item.closed_at:%d-%m-%Y})"
            )
        self.stdout.write(f"{len(items)} file(s), kept {days} days after closing.")
