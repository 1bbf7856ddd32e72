"""The demo's complaint desk: complaints from every channel, in every state."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from complaints import desk
from complaints.models import Category, Complaint
from demo.base import (
    COMPLAINANTS,
    MARKER_USER,
)
from households.models import Household, Region, User


class Complaints:
    """Complaints (a part of demo.district._Demo)."""

    def complaints(self, users: dict[str, User], operator_desa: Region) -> None:
        """A desk's few weeks: complaints by every channel, some handled, one forwarded to the
        demo village, one resolved, one overdue, so each page has something to show."""
        rng = random.Random(f"complaints {self.rng.getstate()}")  # its own: the rest stays
        categories = list(Category.objects.all())
        if not categories or Complaint.objects.exists():
            return
        clerk = users["posko"]
        now = timezone.now()
        # (category, story): what a desk hears in a month.
        heard = [
            ("Belum menerima bantuan", "Kami belum menerima bantuan JPS padahal suami di-PHK."),
            ("Salah sasaran (inclusion error)", "Tetangga yang pegawai negeri masuk daftar."),
            ("Data salah (nama, NIK, alamat)", "Nama ibu saya salah ketik di daftar desa."),
            ("Pemotongan atau pungutan oleh perantara", "Bantuan dipotong Rp50.000 oleh oknum."),
            ("Masalah kartu atau rekening", "Kartu KKS belum diterima sejak Januari."),
            ("Lainnya", "Mohon informasi jadwal pencairan tahap 2."),
            ("Usulan keluarga baru", "Keluarga baru pindah ke desa ini dan belum terdata."),
            ("Salah sasaran (inclusion error)", "Penerima sudah meninggal tetapi masih tercantum."),
        ]
        by_name = {c.name: c for c in categories}
        # The wrongly listed and wrong data complaints are about families of the demo village.
        families = list(Household.objects.filter(desa=operator_desa).order_by("pk")[:2])
        for n, (category, story) in enumerate(heard):
            received = now - datetime.timedelta(days=3 + 4 * n)
            complaint = desk.log(
                by=clerk,
                channel=rng.choice(Complaint.Channel.values),
                kind=Complaint.Kind.INFORMATION
                if "informasi" in story
                else Complaint.Kind.COMPLAINT,
                category=by_name.get(category) or rng.choice(categories),
                complainant_name=rng.choice(COMPLAINANTS),
                complainant_contact=f"08{rng.randrange(10**9, 10**10)}",
                desa=operator_desa if n < 3 else rng.choice(self.villages),
                story=story,
                household=families[n - 1] if n in (1, 2) and len(families) == 2 else None,
                received_at=received,
            )
            next_day = received + datetime.timedelta(days=1)
            if n == 0:
                desk.move(
                    complaint,
                    Complaint.Status.HANDLING,
                    by=clerk,
                    forward=users[MARKER_USER].unit,
                    at=next_day,
                )
            elif n in (1, 2):
                desk.move(complaint, Complaint.Status.HANDLING, by=clerk, assign=clerk, at=next_day)
            elif n == 3:
                desk.move(complaint, Complaint.Status.HANDLING, by=clerk, assign=clerk, at=next_day)
                desk.move(
                    complaint,
                    Complaint.Status.RESOLVED,
                    by=clerk,
                    at=next_day + datetime.timedelta(days=2),
                    resolution="Dana dikembalikan; perantara dilaporkan ke inspektorat.",
                    public_reply="Pengaduan Anda sudah ditindaklanjuti.",
                )
