from django import forms

from households.forms import DateInput

from .models import Program


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
