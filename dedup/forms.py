from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import ProposalBatch, RosterVersion


class SettingsForm(forms.Form):
    same = forms.IntegerField(label=_("Same family from score"), min_value=1, max_value=100)
    review = forms.IntegerField(label=_("A person decides from score"), min_value=1, max_value=100)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("review") and cleaned.get("same") and cleaned["review"] > cleaned["same"]:
            raise forms.ValidationError(
                _("The review score cannot be above the score for the same family.")
            )
        return cleaned


class RunForm(SettingsForm):
    """Which proposals to cross-check, against which roster versions, with which thresholds."""

    batches = forms.ModelMultipleChoiceField(
        ProposalBatch.objects.select_related("unit"),
        label=_("Proposals"),
        widget=forms.CheckboxSelectMultiple,
    )
    versions = forms.ModelMultipleChoiceField(
        RosterVersion.objects.filter(
            status=RosterVersion.Status.ACTIVE, program__screens_out=""
        ).select_related("program"),
        label=_("Rosters (their active lists)"),
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["batches", "versions", "same", "review"]


class DecisionForm(forms.Form):
    same_family = forms.TypedChoiceField(
        choices=[("1", _("same family")), ("0", _("different family"))],
        coerce=lambda value: value == "1",
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
