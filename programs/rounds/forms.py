"""A round's forms: its rules (targets with places or a budget in Rupiah, the order, the
programmes a family may combine) and an approved list's export with its stated purpose."""

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.intake.forms import RupiahField, RupiahInput
from programs.models import ListExport, Program
from programs.rounds.rules import Rules

ORDER_CHOICES = [
    ("desil", _("poorest desil first (DTSEN)")),
    ("village_first", _("village proposals first")),
    ("agency_first", _("agency proposals first")),
]


def _aid_pairs() -> list[tuple[str, str]]:
    """Every pair of programmes that pay (registers such as DTSEN exclude no one anyway)."""
    codes = sorted(Program.objects.filter(months__gt=0).values_list("code", flat=True))
    return [(f"{a}+{b}", f"{a} + {b}") for i, a in enumerate(codes) for b in codes[i + 1 :]]


def target_programs():
    """The programmes a round allocates to: those that pay, run by the province or the
    district (central programmes and village funds are rosters the office checks against)."""
    levels = [Program.Level.PROVINCE, Program.Level.DISTRICT]
    found = Program.objects.filter(months__gt=0, level__in=levels)
    return sorted(found, key=lambda p: (levels.index(p.level), p.code))


def _run_label(run) -> str:
    return _("Cross-check #%(n)s of %(when)s: %(rows)s families") % {
        "n": run.pk,
        "when": f"{run.finished_at or run.created_at:%d-%m-%Y}",
        "rows": f"{run.rows_total:,}".replace(",", "."),
    }


class RoundForm(forms.Form):
    """A round's rules: the checked proposals, each target's places or budget (a target left
    blank is not part of the round; they fill in the order shown), and how families fill them.
    `seen` is the revision an edit was made from."""

    name = forms.CharField(label=_("Name"), max_length=150)
    run = forms.ModelChoiceField(queryset=None, label=_("Cross-check"))
    order = forms.ChoiceField(label=_("Who comes first"), choices=ORDER_CHOICES)
    kecamatan_shares = forms.BooleanField(
        label=_("Share the places among kecamatan by their eligible families"), required=False
    )
    allowed = forms.MultipleChoiceField(
        label=_("Programmes a family may hold together"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    seen = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        from dedup.models import Run

        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = Run.objects.filter(status=Run.Status.DONE, recheck=False)
        self.fields["run"].label_from_instance = _run_label
        self.fields["allowed"].choices = _aid_pairs()
        self.programs = target_programs()
        for program in self.programs:
            for kind, label in (
                ("places", _("%(code)s: places (families)")),
                ("budget", _("%(code)s: budget (Rp)")),
            ):
                label = label % {"code": program.code}
                field = RupiahField if kind == "budget" else forms.IntegerField
                widget = RupiahInput if kind == "budget" else forms.NumberInput
                self.fields[f"{kind}_{program.code}"] = field(
                    label=label,
                    min_value=0,
                    required=False,
                    widget=widget(attrs={"aria-label": label}),
                )

    @classmethod
    def initial_for(cls, round_) -> dict:
        """The form's values for an existing round."""
        initial = {
            "name": round_.name,
            "run": round_.run_id,
            "order": (round_.order or ["desil"])[0],
            "kecamatan_shares": round_.kecamatan_shares,
            "allowed": ["+".join(pair) for pair in round_.allowed_pairs],
            "seen": round_.revision,
        }
        for target in round_.targets.select_related("program"):
            initial[f"places_{target.program.code}"] = target.places
            initial[f"budget_{target.program.code}"] = target.budget
        return initial

    def target_rows(self):
        """(programme, places field, budget field) for the template, in filling order."""
        return [(p, self[f"places_{p.code}"], self[f"budget_{p.code}"]) for p in self.programs]

    def clean(self):
        data = super().clean()
        targets = [
            (p, data.get(f"places_{p.code}"), data.get(f"budget_{p.code}")) for p in self.programs
        ]
        data["targets"] = [t for t in targets if t[1] is not None or t[2] is not None]
        if not data["targets"]:
            raise forms.ValidationError(
                _("Give at least one target its places or its budget (or both).")
            )
        return data

    def rules(self) -> Rules:
        data = self.cleaned_data
        return Rules(
            name=data["name"],
            run=data["run"],
            targets=data["targets"],
            order=data["order"],
            kecamatan_shares=data["kecamatan_shares"],
            allowed_pairs=[pair.split("+") for pair in data["allowed"]],
        )


class ExportForm(forms.Form):
    purpose = forms.CharField(
        label=_("What is the export for?"),
        min_length=5,
        max_length=300,
        help_text=_("Kept with your name and written into the file, e.g. “lampiran SK Bupati”."),
    )
    layout = forms.ChoiceField(label=_("Layout"))

    def __init__(self, *args, target: Program, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        layouts = [ListExport.Layout.KECAMATAN, ListExport.Layout.DESA]
        if target.level == Program.Level.PROVINCE:  # the province's quota goes back to it
            layouts.insert(0, ListExport.Layout.PROVINCE)
        self.fields["layout"].choices = [(layout.value, layout.label) for layout in layouts]
