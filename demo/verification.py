"""The demo's upkeep of the data: exclusion lists to screen rounds against, and a verification
cycle whose visits are at every step, with photos and locations for the map."""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from households.models import Household, Member, Region, User
from programs.models import Program, RosterRow, RosterVersion
from verification import visits
from verification.models import Cycle, Task

# (code, name, what it screens out, families of the district on it, strangers on it)
LISTS = [
    ("ASN", "ASN/TNI/Polri (BKD, November 2026)", Program.Exclusion.CIVIL_SERVANT, 6, 60),
    ("MATI", "Kematian (Dukcapil, November 2026)", Program.Exclusion.DEATH, 4, 40),
]
# Around the demo village (Kecamatan Purworejo): the visits' points on the map.
CENTRE = (-7.7131, 110.0082)


class Verification:
    """Exclusion lists and a verification cycle (a part of demo.district._Demo)."""

    def exclusion_lists(self, by: User) -> None:
        rng = random.Random(f"exclusion {self.rng.getstate()}")  # its own: the rest stays
        heads = list(Household.objects.order_by("pk").values_list("head_nik", "head_name"))
        members = list(
            Member.objects.exclude(nik="").order_by("pk").values_list("nik", "name", "birth_date")
        )
        for code, name, screens_out, known, strangers in LISTS:
            program, _made = Program.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "level": Program.Level.DISTRICT,
                    "funding": Program.Funding.APBD,
                    "screens_out": screens_out,
                },
            )
            version = RosterVersion.objects.create(
                program=program, period="November 2026", source_name=f"{code}_3306.xlsx",
                imported_by=by,
            )  # fmt: skip
            if screens_out == Program.Exclusion.DEATH:  # members who died: the registry's list
                listed = [(nik, n, born) for nik, n, born in rng.sample(members, known)]
            else:
                listed = [(nik, n, None) for nik, n in rng.sample(heads, known)]
            for _ in range(strangers):
                person = self.people.person(
                    rng.choice("LP"), (1965, 1998), rng.choice(self.people.kecamatan)
                )
                listed.append((person.nik, person.name, person.born))
            rng.shuffle(listed)
            RosterRow.objects.bulk_create(
                RosterRow(version=version, row_number=n, nik=nik, name=who, birth_date=born)
                for n, (nik, who, born) in enumerate(listed, start=1)
            )
            version.row_count = len(listed)
            version.save(update_fields=["row_count"])
            version.activate()

    def verification_cycle(self, users: dict[str, User], operator_desa: Region) -> None:
        """A quarter's cycle half done: visits of the demo village and of another village of
        its kecamatan, to visit, sent, sent back, checked and approved."""
        rng = random.Random(f"verification {self.rng.getstate()}")
        today = timezone.localdate()
        cycle = Cycle.objects.create(
            name="Verifikasi Triwulan IV 2026",
            starts_on=today - datetime.timedelta(days=45),
            due_on=today + datetime.timedelta(days=20),
            created_by=users["staf"],
        )
        neighbour = (
            Region.objects.filter(parent=operator_desa.parent, households__isnull=False)
            .exclude(pk=operator_desa.pk)
            .order_by("code")
            .first()
        )
        families = list(Household.objects.filter(desa=operator_desa).order_by("pk")[:10])
        if neighbour is not None:
            families += list(Household.objects.filter(desa=neighbour).order_by("pk")[:4])
        # Why each family is visited, with what a member of staff would write.
        reasons = [
            (Task.Reason.ROSTER, "DTSEN November 2026: desil berubah"),
            (Task.Reason.MANUAL, "Usulan RT, belum pernah diverifikasi"),
            (Task.Reason.COMPLAINT, "Tetangga melapor keluarga sudah pindah"),
        ]
        tasks = []
        for household in families:
            reason, note = rng.choice(reasons)
            tasks.append(
                visits.add_task(cycle, household, reason=reason, note=note, by=users["staf"])
            )
        operator, kecamatan, staff = users["operator.desa"], users["kecamatan"], users["staf"]
        steps = ["approved", "checked", "returned", "submitted", "submitted"]
        for task, step in zip(tasks, steps, strict=False):
            lat, lng = (c + rng.uniform(-0.006, 0.006) for c in CENTRE)
            visits.submit(
                task,
                {
                    "outcome": Task.Outcome.ELIGIBLE,
                    **{f: getattr(task, f) for f in visits.CORRECTED},
                    "note": "",
                    "members": {},
                    "latitude": round(lat, 6),
                    "longitude": round(lng, 6),
                    "accuracy": rng.randrange(5, 40),
                },
                {"house": _photo(rng, "RUMAH"), "head": _photo(rng, "KK")},
                by=operator,
            )
            if step == "returned":
                visits.check(
                    task, approve=False, reason="Foto rumah kurang jelas, ulangi.", by=kecamatan
                )
            elif step in ("checked", "approved"):
                visits.check(task, approve=True, by=kecamatan)
                if step == "approved":
                    visits.approve(task, by=staff)


def _photo(rng: random.Random, label: str) -> SimpleUploadedFile:
    """A small picture standing in for the phone's photo."""
    image = Image.new("RGB", (640, 480), tuple(rng.randrange(90, 200) for _ in range(3)))
    ImageDraw.Draw(image).text((20, 20), f"FOTO {label} (DEMO)", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return SimpleUploadedFile(f"{label.lower()}.jpg", out.getvalue(), content_type="image/jpeg")
