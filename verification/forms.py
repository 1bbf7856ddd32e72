from __future__ import annotations

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from households.forms import DateInput
from households.models import Member, Region
from programs.models import AllocationRound, RosterVersion

from .models import Cycle, ScreeningHit, Task


class HitDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[c for c in ScreeningHit.Decision.choices if c[0] != "undecided"],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Why"), required=False, max_length=500)
    cycle = forms.ModelChoiceField(
        Cycle.objects.filter(closed=False), label=_("Visit in cycle"), required=False
    )


class CycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = ["name", "starts_on", "due_on"]
        widgets = {"starts_on": DateInput(), "due_on": DateInput()}

    def clean(self):
        cleaned = super().clean()
        starts, due = cleaned.get("starts_on"), cleaned.get("due_on")
        if starts and due and due < starts:
            self.add_error("due_on", _("The deadline comes before the start."))
        return cleaned


class AddByNumberForm(forms.Form):
    number = forms.CharField(
        label=_("NIK or No. KK"), max_length=20, help_text=_("16 digits: the whole number.")
    )
    note = forms.CharField(label=_("Why"), required=False, max_length=255)


class AddByFilterForm(forms.Form):
    """Families to visit chosen by where they come from."""

    class Source(models.TextChoices):
        ROSTER = "roster", _("changed on a roster (joined, desil, head or desa)")
        JPS = "jps", _("returned by JPS re-validation")
        COMPLAINT = "complaint", _("named in an open complaint")
        DESA = "desa", _("every family of a desa")

    source = forms.ChoiceField(label=_("Families"), choices=Source.choices)
    version = forms.ModelChoiceField(
        RosterVersion.objects.filter(status=RosterVersion.Status.ACTIVE, program__screens_out="")
        .select_related("program"),
        label=_("Roster version"),
        required=False,
    )  # fmt: skip
    round = forms.ModelChoiceField(AllocationRound.objects.all(), label=_("Round"), required=False)
    desa = forms.ModelChoiceField(
        Region.objects.filter(level=Region.Level.VILLAGE).select_related("parent"),
        label=_("Desa or kelurahan"),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        needs = {"roster": "version", "jps": "round", "desa": "desa"}.get(cleaned.get("source"))
        if needs and not cleaned.get(needs):
            self.add_error(needs, _("Choose one."))
        return cleaned


class VisitForm(forms.ModelForm):
    """The operator's visit, on a phone: large targets, the household as found."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Task.Outcome.choices, widget=forms.RadioSelect
    )
    photo_house_upload = forms.FileField(label=_("Photo of the house"), required=False)
    photo_head_upload = forms.FileField(label=_("Photo of the head of household"), required=False)

    class Meta:
        model = Task
        fields = [
            "outcome", "head_name", "address", "rt", "rw", "note", "latitude", "longitude",
            "accuracy",
        ]  # fmt: skip
        widgets = {
            "latitude": forms.HiddenInput(),
            "longitude": forms.HiddenInput(),
            "accuracy": forms.HiddenInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("photo_house_upload", "photo_head_upload"):
            # The phone opens its camera; a gallery stays one tap away.
            self.fields[name].widget.attrs.update(accept="image/*", capture="environment")
        household = self.instance.household
        if self.instance.status == Task.Status.OPEN:  # not visited yet: the household as now
            for field in ("head_name", "address", "rt", "rw"):
                self.initial[field] = getattr(household, field)
        self.members = list(household.members.all())
        for member in self.members:
            # Sent back: the status the operator gave, else the member's own.
            _seen, found = self.instance.members.get(str(member.pk), [None, member.status])
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=member.name, choices=Member.Status.choices, initial=found
            )

    def member_fields(self):
        return [self[f"member_{m.pk}"] for m in self.members]

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is None or longitude is None:
            raise forms.ValidationError(
                _("The phone's location is missing: allow location and tap the button again.")
            )
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise forms.ValidationError(_("The location is not a place on Earth."))
        return cleaned

    def visit(self) -> tuple[dict, dict]:
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        for name in set(self.Meta.fields) - set(LOCATION):
            data[name] = data[name] or ""
        data["members"] = {str(m.pk): self.cleaned_data[f"member_{m.pk}"] for m in self.members}
        photos = {
            "house": self.cleaned_data.get("photo_house_upload"),
            "head": self.cleaned_data.get("photo_head_upload"),
        }
        return data, photos


LOCATION = ("latitude", "longitude", "accuracy")


class CheckForm(forms.Form):
    approve = forms.TypedChoiceField(
        choices=[("1", _("Approve")), ("0", _("Send back"))], coerce=lambda v: v == "1"
    )
    reason = forms.CharField(label=_("Reason for sending back"), required=False, max_length=500)
