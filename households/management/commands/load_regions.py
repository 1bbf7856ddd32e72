from django.core.management.base import BaseCommand, CommandError

from households.regions import load_district


class Command(BaseCommand):
    help = "Load a kabupaten/kota with its kecamatan and desa/kelurahan from the official list."

    def add_arguments(self, parser):
        parser.add_argument("code", help="Kemendagri code of the kabupaten/kota, e.g. 33.06")

    def handle(self, *args, code: str, **options):
        try:
            district, villages = load_district(code)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        kecamatan = district.children.count()
        self.stdout.write(f"{district.name}: {kecamatan} kecamatan, {villages} desa/kelurahan.")
