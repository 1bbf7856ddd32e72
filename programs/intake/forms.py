"""The intake's forms: a programme, a spreadsheet to upload, a proposal batch, a roster import,
and one family's typed values (a JPS correction, a family proposed from the complaint desk)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from households.forms import DateInput
from households.models import Unit
from programs.intake.refusals import megabytes
from programs.models import Program, ProposalBatch


class RupiahInput(forms.TextInput):
    """An amount as the office writes it: 1.500.000.000, the thousands grouped, so a zero too
    many or too few shows."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return f"{value:,}".replace(",", ".")
        return super().format_value(value)


class RupiahField(forms.IntegerField):
    """Whole rupiah, typed with or without grouping dots, spaces or "Rp"."""

    widget = RupiahInput
    default_error_messages = {
        "invalid": _("Write a whole amount in rupiah, e.g. 1.500.000.000 (no cents)."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removeprefix("Rp").removeprefix("rp").replace(".", "")
            value = value.replace(" ", "").replace("\u00a0", "")
        return super().to_python(value)


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
            "screens_out",
            "description",
        ]
        widgets = {"active_from": DateInput(), "active_until": DateInput()}
        field_classes = {"benefit_per_month": RupiahField}  # "Rp250.000" as the office writes


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
                % {"size": megabytes(file.size), "limit": megabytes(limit)}
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


class FamilyForm(forms.Form):
    """One family's typed values, in the intake's columns: a returned JPS family corrected by
    its operator, a family the complaint desk proposes for its village."""

    no_kk = forms.CharField(label=_("No. KK"), max_length=40)
    nik = forms.CharField(label=_("NIK of the head of household"), max_length=40)
    nama = forms.CharField(label=_("Name of the head of household"), max_length=150)
    jenis_kelamin = forms.ChoiceField(
        label=_("Sex"), choices=[("", "-"), ("L", _("male")), ("P", _("female"))], required=False
    )
    tanggal_lahir = forms.CharField(
        label=_("Date of birth"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "dd-mm-yyyy"}),
    )
    alamat = forms.CharField(label=_("Address"), max_length=255)
    rt = forms.CharField(label=_("RT"), max_length=5)
    rw = forms.CharField(label=_("RW"), max_length=5)
    desa = forms.CharField(label=_("Desa or kelurahan"), max_length=100)
    kecamatan = forms.CharField(label=_("Kecamatan"), max_length=100)

    def show(self, problems: list[tuple[str, str]]) -> None:
        """The problems the checks found, under their fields."""
        for column, message in problems:
            self.add_error(column if column in self.fields else None, message)
