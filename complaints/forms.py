import datetime

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from households.forms import DateInput, VillageChoiceField, villages
from households.identity import check_nik, mask_id
from households.models import Household, Unit, User
from programs.models import Program

from .desk import MOVES
from .models import Category, Complaint

PICK_LIMIT = 10  # families offered to pick from


class ComplaintForm(forms.ModelForm):
    """A complaint as the desk logs it. The family is found by NIK, No. KK or name; a family
    not registered yet is logged all the same. A complainant's NIK that fails the identity
    checks is kept with a warning: complainants may not know it exactly."""

    complainant_nik = forms.CharField(
        label=_("complainant's NIK"), required=False, max_length=30
    )  # as the complainant says it, spaces and all: checked below, kept with a warning
    family = forms.CharField(
        label=_("The family (NIK, No. KK or name of the head)"),
        required=False,
        max_length=150,
        help_text=_("Leave empty for a family not registered yet."),
    )

    attachment = forms.FileField(
        label=_("Photo or scanned letter (JPG, PNG or PDF, up to 5 MB)"), required=False
    )
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        widget=DateInput(),
        help_text=_("A letter or a LAPOR! report that came in earlier; empty is today."),
    )

    field_order = ["kind", "channel", "received_on"]

    class Meta:
        model = Complaint
        fields = [
            *("kind", "channel", "category", "complainant_name", "complainant_contact"),
            *("complainant_nik", "family", "desa", "program", "tranche", "story"),
        ]
        field_classes = {"desa": VillageChoiceField}
        widgets = {"story": forms.Textarea(attrs={"rows": 6, "maxlength": 5000})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desa"].queryset = villages().order_by("parent__name", "name")
        self.fields["program"].queryset = Program.objects.aid()
        self.warnings: list[str] = []
        # Several families match what was typed: they are offered to pick from (NIK masked).
        self.matches, more = self._families() if self.is_bound else ([], False)
        if len(self.matches) > 1:
            self.fields["pick"] = forms.TypedChoiceField(
                label=_("Which family?"),
                choices=[(h.pk, _pick_label(h)) for h in self.matches],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                help_text=_("More families match: type more of the name, or choose the desa.")
                if more
                else "",
            )
            self.order_fields([*list(self.fields)[: list(self.fields).index("family") + 1], "pick"])

    def _families(self) -> tuple[list[Household], bool]:
        """The families what was typed finds, at most PICK_LIMIT, those of the chosen desa if
        it has any (names repeat across the district); and whether more match."""
        query = (self.data.get("family") or "").strip()
        if not any(c.isalnum() for c in query):
            return [], False  # empty, or dots and dashes alone, which would match every family
        found = Household.objects.search(query).select_related("desa")
        desa = str(self.data.get("desa") or "")
        if desa.isdigit() and (in_desa := found.filter(desa_id=int(desa))).exists():
            found = in_desa
        matches = list(found[: PICK_LIMIT + 1])
        return matches[:PICK_LIMIT], len(matches) > PICK_LIMIT

    def clean_received_on(self) -> datetime.datetime | None:
        """When it came in, for its deadline: 8 in the morning of a past day; None for now."""
        day, today = self.cleaned_data["received_on"], timezone.localdate()
        if day is None or day == today:
            return None
        if day > today:
            raise forms.ValidationError(_("The day it was received cannot be in the future."))
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(8)))

    def clean_story(self) -> str:
        story = self.cleaned_data["story"].strip()
        if len(story) > 5000:
            raise forms.ValidationError(_("Keep the story to 5,000 characters."))
        return story

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        return checked_attachment(upload) if upload else None

    def clean_complainant_nik(self) -> str:
        raw = "".join(self.cleaned_data["complainant_nik"].split())
        if raw and not (checked := check_nik(raw)).ok:
            self.warnings += [problem.message for problem in checked.errors]
        return raw  # as given: a wrong number is kept to be checked, not cut to fit

    def clean_family(self) -> Household | None:
        query = self.cleaned_data["family"].strip()
        if not query:
            return None
        found = self.matches
        if len(found) > 1:
            picked = self.data.get("pick")
            chosen = [h for h in found if str(h.pk) == picked]
            if chosen:
                return chosen[0]
            raise forms.ValidationError(
                _("Several families match: pick one below, or type the 16-digit NIK or No. KK.")
            )
        if not found:
            self.warnings.append(_("No registered family matches: logged as not registered."))
            return None
        if not query.isdigit():  # found by a name: say which family, to be sure
            self.warnings.append(
                _("Linked to the family of %(name)s in %(desa)s.")
                % {"name": found[0].head_name, "desa": found[0].desa.name if found[0].desa else "-"}
            )
        return found[0]


class MoveForm(forms.Form):
    """The desk moves a complaint on: its new status, to whom, and why."""

    to = forms.ChoiceField(label=_("New status"), choices=Complaint.Status.choices)
    assign = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False
    )
    forward = forms.ModelChoiceField(
        label=_("Or forward to"),
        queryset=Unit.objects.exclude(kind=Unit.Kind.KECAMATAN),
        required=False,
    )
    note = forms.CharField(label=_("Note or reason"), required=False, widget=forms.Textarea)
    resolution = forms.CharField(
        label=_("Resolution and what changed"), required=False, widget=forms.Textarea
    )
    public_reply = forms.CharField(
        label=_("Public reply (shown on the status page)"),
        required=False,
        widget=forms.Textarea,
        help_text=_("No names, no NIK: anyone with the ticket reads it."),
    )
    clear_reply = forms.BooleanField(label=_("Take the public reply down"), required=False)

    def __init__(self, *args, now: str, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the statuses it may move to from `now`, in their usual order.
        allowed = MOVES[now]
        self.fields["to"].choices = [c for c in Complaint.Status.choices if c[0] in allowed]
        self.fields["to"].error_messages["invalid_choice"] = _(
            "A complaint that is %(now)s cannot take that step; choose one offered."
        ) % {"now": Complaint.Status(now).label}
        roles = [User.Role.DESK, User.Role.ADMIN]  # who sees every complaint
        self.fields["assign"].queryset = User.objects.filter(role__in=roles, is_active=True)


class CategoryForm(forms.ModelForm):
    """A category the office adds or adjusts: its name, its target, whether it proposes."""

    class Meta:
        model = Category
        fields = ["name", "triage_days", "target_days", "becomes_proposal", "concerns_allocation"]


class AnswerForm(forms.Form):
    """A village's or agency's answer to a complaint forwarded to it."""

    note = forms.CharField(label=_("Your answer"), widget=forms.Textarea, max_length=5000)


class TicketForm(forms.Form):
    ticket = forms.CharField(label=_("Ticket number"), max_length=20)


ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
# What a file is, by its first bytes, whatever its name says.
ATTACHMENT_TYPES = {
    b"\xff\xd8\xff": ("image/jpeg", (".jpg", ".jpeg")),
    b"\x89PNG\r\n\x1a\n": ("image/png", (".png",)),
    b"%PDF-": ("application/pdf", (".pdf",)),
}


def checked_attachment(upload):
    """The upload if it is what it says (JPG, PNG or PDF by its content, up to 5 MB), with
    `checked_type` set; else a ValidationError saying what is wrong."""
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is %(size)s MB; the limit is 5 MB.")
            % {"size": number_format(upload.size / 2**20, 1)}  # 5,7 in Indonesian
        )
    head = upload.read(16)
    upload.seek(0)
    name = upload.name.lower()
    for magic, (content_type, endings) in ATTACHMENT_TYPES.items():
        if head.startswith(magic):
            if not name.endswith(endings):
                raise forms.ValidationError(
                    _("%(name)s is not what its name says: it holds a %(kind)s.")
                    % {"name": upload.name, "kind": content_type}
                )
            upload.checked_type = content_type
            return upload
    raise forms.ValidationError(
        _("%(name)s is not a JPG, PNG or PDF file.") % {"name": upload.name}
    )


class AttachmentForm(forms.Form):
    """A photo (JPEG, PNG) or a scanned letter (PDF) up to 5 MB, checked by its content."""

    file = forms.FileField(label=_("Photo or scanned letter (JPG, PNG or PDF, up to 5 MB)"))

    def clean_file(self):
        return checked_attachment(self.cleaned_data["file"])


def _pick_label(household) -> str:
    """A family to pick: its head, the head's NIK masked and named so, and its desa."""
    desa = household.desa.name if household.desa else "-"
    return f"{household.head_name} · NIK {mask_id(household.head_nik)} · {desa}"
