"""The demo's proposals: each village's and agency's batch, typed as operators type, with
rows to fix, doubtful matches and families the JPS re-check returns."""

from __future__ import annotations

from django.utils.translation import gettext as _

from demo.base import (
    CHUNK,
    DOUBTFUL,
    JPS_GAPS,
    MARKER_USER,
    MONTH,
    OPD_BATCHES,
    PROPOSAL_DAMAGE,
)
from demo.names import (
    REMARKS,
)
from demo.people import Family, date_text, old_spelling
from households import identity
from households.models import Region, User
from programs.models import (
    ProposalBatch,
    ProposalRow,
    Sector,
)


class Proposals:
    """Proposal batches and their rows (a part of demo.district._Demo)."""

    def batches(self, units: dict, users: dict[str, User], candidates: dict) -> None:
        rng, rows, proposed = self.rng, [], []
        operator = users[MARKER_USER]
        villages = [k for k in candidates if k != "agency"]
        for i, village_pk in enumerate(villages):
            unit = units["village"][village_pk]
            # Villages without an operator account send their file to Dinsos to upload.
            batch = ProposalBatch.objects.create(
                unit=unit,
                title=f"Usulan JPS {unit.name} {MONTH}",
                status=ProposalBatch.Status.SUBMITTED if i < 7 else ProposalBatch.Status.DRAFT,
                created_by=operator if unit == operator.unit else users["staf"],
            )
            pool = candidates[village_pk]
            picked = self.pick(pool["registry"], pool["rostered"], self.village_rows, unit.region)
            proposed += [f for f in picked if f.household]
            rows += self.proposal_rows(batch, picked, layout=i % 3)
        sectors = {s.name: s for s in Sector.objects.all()}
        workers = candidates["agency"]
        for unit_name, sector_name, own_operator in OPD_BATCHES:
            batch = ProposalBatch.objects.create(
                unit=units[unit_name],
                sector=sectors.get(sector_name),
                title=f"Usulan JPS {unit_name} sektor {sector_name} {MONTH}",
                status=ProposalBatch.Status.SUBMITTED,
                created_by=users["operator.opd" if own_operator else "staf"],
            )
            # Some families are proposed both by their village and by an agency.
            both = rng.sample(proposed, min(len(proposed), max(2, self.opd_rows // 8)))
            pool, workers = workers[: self.opd_rows], workers[self.opd_rows :]
            picked = both + self.pick(pool, [], self.opd_rows - len(both), None)
            rng.shuffle(picked)
            rows += self.proposal_rows(batch, picked, layout=3, sector=sector_name)
        ProposalRow.objects.bulk_create(rows, batch_size=CHUNK)

    def pick(
        self, registry: list[Family], rostered: list[Family], n: int, desa: Region | None
    ) -> list[Family]:
        """Mostly registry families, some known only from a roster, some never seen before."""
        rng = self.rng
        new = max(1, n * 15 // 100)
        outside = min(len(rostered), n // 10)
        known = min(len(registry), n - new - outside)
        picked = rng.sample(registry, known) + rng.sample(rostered, outside)
        for _n in range(new):
            home = desa or rng.choice(self.villages)
            picked.append(self.people.family(home, self.dusun[home.pk]))
        rng.shuffle(picked)
        return picked

    def proposal_rows(
        self, batch: ProposalBatch, families: list[Family], *, layout: int, sector: str = ""
    ) -> list[ProposalRow]:
        rng, rows = self.rng, []
        if families and rng.random() < 0.6:  # the same family typed twice in one file
            families = [*families, rng.choice(families)]
        damaged = set(
            rng.sample(range(len(families)), max(1, round(len(families) * PROPOSAL_DAMAGE)))
        )
        for number, family in enumerate(families, start=1):
            wife = family.spouse is not None and rng.random() < 0.06
            person = family.spouse if wife else family.head
            row = ProposalRow(
                batch=batch,
                row_number=number,
                no_kk=family.no_kk,
                nik=person.nik,  # as the intake stores it; the cell keeps it as typed
                name=self.typed_name(person.name),
                sex=person.sex,
                birth_date=person.born,
                address=family.address,
                rt=family.rt,
                rw=family.rw,
                desa=family.desa,
                phone=f"08{rng.choice('1257')}{rng.randrange(10**8, 10**9)}" if sector else "",
                remarks=rng.choice(REMARKS) if not sector else sector.upper(),
                household=family.household,
            )
            if number - 1 in damaged:
                self.damage(row, sector=bool(sector))
            elif self.gaps.random() < JPS_GAPS:
                field, value = self.gaps.choice([("rt", ""), ("rt", ""), ("rw", ""), ("name", "-")])
                setattr(row, field, value)
            elif not wife and family.rosters and self.doubts.random() < DOUBTFUL:
                self.doubtful(row, family)
            row.raw = self.proposal_raw(row, layout)
            rows.append(row)
        return rows

    def doubtful(self, row: ProposalRow, family: Family) -> None:
        """The head's NIK under the name of another of the family's people, on the new card of
        a family that split: the rosters know that NIK under another name and card, so the
        cross-check asks a person (a handful a district, as in the field)."""
        others = [p for p in (family.spouse, *family.children) if p is not None]
        if not others:
            return
        row.no_kk = self.new_cards.no_kk(family.no_kk[:6])
        row.name = self.typed_name(self.doubts.choice(others).name)
        row.household = None  # another card: which family it is, is the question

    def damage(self, row: ProposalRow, *, sector: bool) -> None:
        rng = self.rng
        kinds = ["nik", "no_kk", "nama"] + ([] if sector else ["desa"])
        column = rng.choice(kinds)
        if column == "nik":
            row.nik = f"{float(row.nik):.5E}"
            messages = [p.message for p in identity.check_nik(row.nik).errors]
        elif column == "no_kk":
            cut = rng.randrange(16)
            row.no_kk = row.no_kk[:cut] + row.no_kk[cut + 1 :]
            messages = [p.message for p in identity.check_no_kk(row.no_kk).errors]
        elif column == "nama":
            row.name = ""
            messages = [_("The name of the head of household is empty.")]
        else:
            home = row.desa
            row.desa = rng.choice([v for v in self.villages if v.parent_id != home.parent_id])
            messages = [
                _("%(desa)s is not %(unit)s: a village proposes only families living there.")
                % {"desa": row.desa, "unit": home}
            ]
        row.status = ProposalRow.Status.INVALID
        row.problems = [{"column": column, "message": m} for m in messages]
        row.household = None

    def typed_number(self, number: str) -> str:
        """A number as an operator's spreadsheet holds it: mostly plain, sometimes behind the
        apostrophe that keeps Excel from rounding it, sometimes in groups of four."""
        if not number.isdigit():
            return number  # damaged already (1.23E+15): written as it is
        roll = self.rng.random()
        if roll < 0.05:
            return f"'{number}"  # the apostrophe that makes Excel keep it as text
        if roll < 0.08:
            return " ".join(number[i : i + 4] for i in range(0, 16, 4))
        return number

    def typed_name(self, name: str) -> str:
        roll = self.rng.random()
        if roll < 0.1:
            name = old_spelling(name).title()
        elif roll < 0.25:
            name = name.title()
        elif roll < 0.33:
            name = name.lower()
        elif roll < 0.36:
            name = f" {name}  "
        return name

    def proposal_raw(self, row: ProposalRow, layout: int) -> dict[str, str]:
        rng = self.rng
        desa = row.desa.name if row.desa else ""
        kec = row.desa.parent.name if row.desa else ""
        rt = (str(int(row.rt)) if rng.random() < 0.5 else row.rt[1:]) if row.rt else ""
        rw = (str(int(row.rw)) if rng.random() < 0.5 else row.rw) if row.rw else ""
        born = date_text(row.birth_date, layout % 3) if row.birth_date else ""
        sex = {"L": "LAKI-LAKI", "P": "PEREMPUAN"}[row.sex] if layout == 1 else row.sex
        columns = [
            (["NO", "No.", "NO", "NO"], str(row.row_number)),
            (["NO KK", "Nomor Kartu Keluarga", "NOKK", "NO. KK"], row.no_kk),
            (["NIK", "NIK KEPALA KELUARGA", "NIK KRT", "NIK"], self.typed_number(row.nik)),
            (["NAMA", "NAMA KEPALA KELUARGA", "NAMA KRT", "NAMA LENGKAP"], row.name),
            (["L/P", "JK", None, "L/P"], sex),
            (["TGL LAHIR", "TANGGAL LAHIR", None, "TGL LAHIR"], born),
            (["ALAMAT", "DUSUN", "ALAMAT LENGKAP", "ALAMAT"], row.address),
            (["RT", "RT", "RT", "RT"], rt),
            (["RW", "RW", "RW", "RW"], rw),
            (["DESA", "DESA/KELURAHAN", "NAMA DESA", "DESA/KELURAHAN"], desa.upper()),
            (["KECAMATAN", "KEC", "NAMA KECAMATAN", "KECAMATAN"], f"KEC. {kec.upper()}"),
            ([None, None, "NO HP", "NO HP"], row.phone),
            (["KETERANGAN", "KET", None, "SEKTOR"], row.remarks),
        ]
        raw = {names[layout]: value for names, value in columns if names[layout]}
        if layout == 1:
            raw["DESA/KELURAHAN"] = desa.title()
        return raw
