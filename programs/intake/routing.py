"""Which proposal a row of a file joins: a village's rows its own batch, the district's combined
list each row to the batch of the village or agency it names, refused where no unit proposes."""

from __future__ import annotations

from django.utils.translation import gettext as _

from households.address import fold_place
from households.models import Region, Unit
from programs.intake.checks import Checked
from programs.models import ProposalBatch, Upload


class Router:
    """Which unit a row belongs to. A village or agency's rows (`unit`): its own unit, and a
    village operator may only propose families of their own village. The district's combined
    list (no unit): the agency named in SUMBER, else the village the family lives in."""

    def __init__(self, unit: Unit | None) -> None:
        self.unit = unit
        self.village_units = dict(
            Unit.objects.filter(kind=Unit.Kind.VILLAGE).values_list("region_id", "pk")
        )
        self._names: dict[int, str] = {}
        self.agencies = {
            fold_place(name): pk
            for pk, name in Unit.objects.filter(kind=Unit.Kind.AGENCY).values_list("pk", "name")
        }

    def refusal(self, region_id: int) -> str | None:
        if self.unit is None or self.unit.kind != Unit.Kind.VILLAGE:
            return None
        if region_id == self.unit.region_id:
            return None
        if region_id not in self._names:
            self._names[region_id] = str(Region.objects.get(pk=region_id))
        return _("%(desa)s is not %(unit)s: a village proposes only families living there.") % {
            "desa": self._names[region_id],
            "unit": self.unit,
        }

    def unit_of(self, checked: Checked) -> int | None:
        if self.unit is not None:
            return self.unit.pk
        source = checked.fields["source"]
        if agency := self.agencies.get(fold_place(source)):
            return agency
        if source and fold_place(source) not in (fold_place(str(self._village(checked))), ""):
            checked.problem(
                "sumber",
                _(
                    "SUMBER %(source)s is not a known agency; write the agency's name as Dinsos "
                    "lists it, or leave it empty for the village."
                )
                % {"source": source},
            )
        return self.village_units.get(checked.fields["desa_id"])

    def _village(self, checked: Checked) -> str:
        region = checked.fields["desa_id"]
        if region is None:
            return ""
        if region not in self._names:
            self._names[region] = str(Region.objects.get(pk=region))
        return self._names[region]


def target_batches(upload: Upload) -> dict[int, ProposalBatch]:
    if upload.batch_id:
        return {upload.batch.unit_id: upload.batch}
    # The combined list fills one open batch per unit, whatever the file is called, so a
    # corrected file finds the rows it corrects.
    batches = ProposalBatch.objects.filter(combined=True, status=ProposalBatch.Status.DRAFT)
    return {b.unit_id: b for b in batches.order_by("created_at")}


def combined_title(upload: Upload) -> str:
    return (_("Combined list %(file)s") % {"file": upload.filename})[:150]
