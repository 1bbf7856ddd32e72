from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from households.forms import DateInput
from households.models import Unit

from .models import Program, ProposalBatch


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = [
            "code",
            "name",
            "level",
            "funding",
            "benefit_per_month",
            "months",
            "active_from",
            "active_until",
            "carries_desil",
            "description",
        ]
        widgets = {"active_from": DateInput(), "active_until": DateInput()}


class SpreadsheetField(forms.FileField):
    """A spreadsheet upload, refused at once when over the configured size."""

    def __init__(self, *args, limit_setting: str = "UPLOAD_MAX_BYTES", **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_setting = limit_setting

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        limit = getattr(settings, self.limit_setting)
        if file and file.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; the limit is %(limit)s MB. Split it and upload "
                    "the parts one by one."
                )
                % {"size": round(file.size / 2**20, 1), "limit": limit // 2**20}
            )
        return file


class UploadForm(forms.Form):
    file = SpreadsheetField(
        label=_("Spreadsheet (.xlsx, .xls or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )


class BatchForm(forms.ModelForm):
    class Meta:
        model = ProposalBatch
        fields = ["title", "sector"]

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        if unit.kind == Unit.Kind.AGENCY:
            self.fields["sector"].required = True
        else:
            del self.fields["sector"]


class RosterImportForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "Januari 2026"}),
    )
    file = SpreadsheetField(
        label=_("Roster file (.xlsx, .xls or .csv)"), limit_setting="ROSTER_UPLOAD_MAX_BYTES"
    )


ORDER_CHOICES = [
    ("desil", _("poorest desil first (DTSEN)")),
    ("village_first", _("village proposals first")),
    ("agency_first", _("agency proposals first")),
]


def _aid_pairs() -> list[tuple[str, str]]:
    """Every pair of programmes that pay (registers such as DTSEN exclude no one anyway)."""
    codes = sorted(Program.objects.filter(months__gt=0).values_list("code", flat=True))
    return [(f"{a}+{b}", f"{a} + {b}") for i, a in enumerate(codes) for b in codes[i + 1 :]]


class RoundForm(forms.Form):
    """A new allocation round: the checked proposals, the provincial quota, the JPS budget and
    the rules that fill them."""

    name = forms.CharField(label=_("Name"), max_length=150)
    run = forms.ModelChoiceField(queryset=None, label=_("Cross-check"))
    provincial_places = forms.IntegerField(label=_("Provincial quota (families)"), min_value=0)
    jps_budget = forms.IntegerField(label=_("JPS Kabupaten budget (Rp)"), min_value=0)
    order = forms.ChoiceField(label=_("Who comes first"), choices=ORDER_CHOICES)
    kecamatan_shares = forms.BooleanField(
        label=_("Share the places among kecamatan by their eligible families"), required=False
    )
    allowed = forms.MultipleChoiceField(
        label=_("Programmes a family may hold together"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs) -> None:
        from dedup.models import Run

        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = Run.objects.filter(status=Run.Status.DONE)
        self.fields["allowed"].choices = _aid_pairs()


class ExportForm(forms.Form):
    purpose = forms.CharField(
        label=_("What is the export for?"),
        min_length=5,
        max_length=300,
        help_text=_("Kept with your name and written into the file, e.g. “lampiran SK Bupati”."),
    )
    layout = forms.ChoiceField(
        label=_("Layout"),
        choices=[
            ("kecamatan", _("one sheet per kecamatan")),
            ("desa", _("one file per desa (.zip)")),
        ],
    )
