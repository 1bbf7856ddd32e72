from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from households.forms import DateInput
from programs.intake.forms import RupiahField, SpreadsheetField
from programs.models import RecipientList

from .files import LAYOUTS
from .models import Funding, Payment, Tranche


class DecreeForm(forms.ModelForm):
    class Meta:
        model = RecipientList
        fields = ["decree_number", "decree_date"]
        widgets = {"decree_date": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = True


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("What is this file for?"),
        max_length=300,
        help_text=_("Recorded with your name and written into the file."),
    )


class TrancheForm(forms.Form):
    label = forms.CharField(label=_("Name"), max_length=60, help_text=_('e.g. "Juli 2026"'))
    amount = RupiahField(label=_("Rp per family"))
    funding = forms.ChoiceField(label=_("Funding"), choices=Funding.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Tranche.Channel.choices)


class PaymentFileForm(PurposeForm):
    layout = forms.ChoiceField(
        label=_("Layout"), choices=[(key, layout.label) for key, layout in LAYOUTS.items()]
    )


class FundingForm(forms.Form):
    desa = forms.IntegerField(widget=forms.HiddenInput)
    funding = forms.ChoiceField(label=_("Funding"), choices=Funding.choices)


class ResultForm(forms.Form):
    file = SpreadsheetField(label=_("Result file from the channel (.xlsx, .xls or .csv)"))


class CorrectionForm(forms.Form):
    name = forms.CharField(label=_("Name as on the account or identity card"), max_length=150)
    account = forms.CharField(label=_("Account number"), max_length=30, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("Why refused"), max_length=255, required=False)


class SettleForm(forms.Form):
    payment = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status the channel reported"),
        choices=[(s.value, s.label) for s in (Payment.Status.PAID, Payment.Status.FAILED,
                                               Payment.Status.RETURNED, Payment.Status.UNCLAIMED)],
    )  # fmt: skip
    note = forms.CharField(label=_("Why this family"), max_length=200)
