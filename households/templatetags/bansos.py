from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from households.identity import mask_id
from households.numbers import nik_distance

register = template.Library()


@register.filter
def rupiah(value) -> str:
    """250000 -> 'Rp250.000', as the office writes money; nothing for no amount (a base list
    such as DTSEN pays nothing itself)."""
    if value in (None, "", 0):
        return ""
    amount = int(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


@register.filter
def masked(value) -> str:
    """A NIK or No. KK as lists show it: 3306********0001."""
    return mask_id(str(value or ""))


@register.filter
def masked_against(value, other) -> str:
    """A NIK or No. KK masked as `masked` shows it, but where it is one mistyped digit or two
    swapped digits away from `other`, those digits shown and marked: a reviewer sees the slip,
    never the whole number. Numbers further apart stay masked whole."""
    value, other = str(value or ""), str(other or "")
    shown = mask_id(value)
    if len(value) != len(other) or nik_distance(value, other) != 1:
        return shown
    return mark_safe(
        "".join(
            f"<mark>{escape(mine)}</mark>" if mine != theirs else escape(hidden)
            for mine, theirs, hidden in zip(value, other, shown, strict=True)
        )
    )


@register.filter
def timeuntil_from_delta(delta) -> str:
    """A lock-out's cool-off (a timedelta) in words: '15 menit'."""
    from django.utils.timesince import timeuntil
    from django.utils.timezone import now

    if not delta:
        return ""
    start = now()
    return timeuntil(start + delta, start)


@register.filter
def column_label(name: str) -> str:
    """A canonical column as operators write it in their sheets: no_kk -> NO KK."""
    return str(name).replace("_", " ").upper()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, None when absent."""
    return mapping.get(key) if mapping else None
