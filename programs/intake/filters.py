import django_filters
from django.utils.translation import gettext_lazy as _

from households.forms import VillageChoiceField, villages
from households.models import Region, Unit
from programs.models import ProposalBatch


class VillageFilter(django_filters.ModelChoiceFilter):
    field_class = VillageChoiceField


class BatchFilter(django_filters.FilterSet):
    """What district staff narrow the proposals by: where, who, how far along."""

    kecamatan = django_filters.ModelChoiceFilter(
        label=_("Kecamatan"),
        queryset=Region.objects.filter(level=Region.Level.DISTRICT),
        method="in_kecamatan",
    )
    desa = VillageFilter(
        label=_("Desa or kelurahan"), queryset=villages(), field_name="unit__region"
    )
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency (OPD)"),
        queryset=Unit.objects.filter(kind=Unit.Kind.AGENCY),
        field_name="unit",
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ProposalBatch.Status.choices)

    class Meta:
        model = ProposalBatch
        fields = ["kecamatan", "desa", "agency", "status"]

    def in_kecamatan(self, queryset, name, value):
        return queryset.filter(unit__region__parent=value)
