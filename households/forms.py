from django import forms
from django.db import models
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import identity
from .address import normalize_rt_rw
from .models import Household, Member, Region, User


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, **kwargs):
        super().__init__(format="%d-%m-%Y", attrs={"placeholder": "dd-mm-yyyy"}, **kwargs)


class QuickSelect(forms.Select):
    """A select of hundreds of options (a district's 494 villages) written out in Python:
    Django renders each option through a template of its own, about 60 ms a page for the
    village filter, most of the proposals and households lists' time."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if key in chosen else "", label)
                for key, label in ((str(v), label) for v, label in self.choices)
            ),
        )
        final = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class VillageChoiceField(forms.ModelChoiceField):
    """Villages named with their kecamatan: 23 of Purworejo's names occur twice."""

    widget = QuickSelect

    def label_from_instance(self, obj: Region) -> str:
        return f"{obj} — {obj.parent.name}"


def villages() -> models.QuerySet:
    return Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent")


class HouseholdForm(forms.ModelForm):
    """Operators type or paste numbers as Excel shows them; clean them before the model checks."""

    class Meta:
        model = Household
        fields = [
            "no_kk",
            "head_nik",
            "head_name",
            "head_sex",
            "head_birth_date",
            "address",
            "rt",
            "rw",
            "desa",
        ]
        widgets = {"head_birth_date": DateInput()}
        field_classes = {"desa": VillageChoiceField}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if not user.sees_district:
            self.fields["desa"].queryset = villages().filter(unit__id=user.unit_id)
        for name in ("no_kk", "head_nik"):
            self.fields[name].widget.attrs.update(inputmode="numeric", autocomplete="off")
            # Pasted numbers carry spaces and apostrophes; the length is checked once cleaned.
            self.fields[name].max_length = None
            self.fields[name].validators = []
            self.fields[name].widget.attrs.pop("maxlength", None)
        self.warnings: list[str] = []

    def _clean_id(self, name: str, check) -> str:
        raw = self.cleaned_data[name]
        result = check(raw)
        if result.errors:
            raise forms.ValidationError([p.message for p in result.errors])
        self.warnings += [p.message for p in result.warnings]
        return result.value

    def clean_no_kk(self) -> str:
        return self._clean_id("no_kk", identity.check_no_kk)

    def clean_head_nik(self) -> str:
        return self._clean_id("head_nik", identity.check_nik)

    def clean(self):
        cleaned = super().clean()
        nik = identity.check_nik(cleaned.get("head_nik") or "")
        if nik.ok:
            # A NIK's birth date can legitimately differ from the real one: warn, do not refuse.
            born, sex = cleaned.get("head_birth_date"), cleaned.get("head_sex")
            if born and nik.birth_date and born != nik.birth_date:
                self.warnings.append(
                    _("The NIK encodes birth date %(nik)s but %(typed)s was entered; check both.")
                    % {
                        "nik": nik.birth_date.strftime("%d-%m-%Y"),
                        "typed": born.strftime("%d-%m-%Y"),
                    }
                )
            if sex and nik.sex and sex != nik.sex:
                self.warnings.append(
                    _("The NIK says the sex is %(nik)s but %(typed)s was entered; check both.")
                    % {"nik": Household.Sex(nik.sex).label, "typed": Household.Sex(sex).label}
                )
        return cleaned

    def clean_rt(self) -> str:
        return self._clean_rt_rw("rt")

    def clean_rw(self) -> str:
        return self._clean_rt_rw("rw")

    def _clean_rt_rw(self, name: str) -> str:
        raw = self.cleaned_data[name]
        value = normalize_rt_rw(raw)
        if raw and not value:
            raise forms.ValidationError(_("Write a number from 1 to 999, e.g. 2 or 002."))
        return value


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label=_("NIK, No. KK or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
    desa = VillageChoiceField(label=_("desa or kelurahan"), required=False, queryset=villages())


class MemberForm(forms.ModelForm):
    """A family member added or corrected in the browser; one who died or moved out is marked,
    never deleted, so the family's history keeps them."""

    class Meta:
        model = Member
        fields = ["name", "nik", "sex", "birth_date", "relation", "status"]
        widgets = {"birth_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        nik = self.fields["nik"]
        nik.widget.attrs.update(inputmode="numeric", autocomplete="off")
        nik.max_length, nik.validators = None, []  # typed with spaces: checked below
        nik.widget.attrs.pop("maxlength", None)

    def clean_nik(self) -> str:
        if not self.cleaned_data["nik"].strip():
            return ""  # a child without a NIK yet
        checked = identity.check_nik(self.cleaned_data["nik"])
        if checked.errors:
            raise forms.ValidationError([p.message for p in checked.errors])
        return checked.value
