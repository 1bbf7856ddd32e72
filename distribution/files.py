"""The payment file of a tranche for its channel. Layouts are data, as the intake's header
variants are: a bank's collective-account file, the post office's list, the village's cash
receipt list; an office adds its bank's columns here. Every file carries its purpose and
author in its title rows and properties, and every text cell is formula-safe."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from programs.intake.writers import safe_cell

from .models import Payment, Tranche


@dataclass(frozen=True)
class Layout:
    label: str
    columns: tuple[tuple[str, str], ...]  # (header, field of Payment or a name below)


# The fields a layout may name: Payment's own, and these.
EXTRA = ("no", "desa", "kecamatan", "tranche", "signature")
LAYOUTS = {
    "bank": Layout(
        gettext_lazy("Bank collective account (generic)"),
        (
            ("NO", "no"), ("NAMA", "name"), ("NIK", "nik"), ("NO KK", "no_kk"),
            ("NO REKENING", "account"), ("NOMINAL", "amount"), ("DESA", "desa"),
            ("KECAMATAN", "kecamatan"), ("KETERANGAN", "tranche"),
        ),
    ),
    "pos": Layout(
        gettext_lazy("Post office list"),
        (
            ("NO", "no"), ("NAMA PENERIMA", "name"), ("NIK", "nik"), ("NO KK", "no_kk"),
            ("ALAMAT DESA", "desa"), ("KECAMATAN", "kecamatan"), ("JUMLAH", "amount"),
            ("TAHAP", "tranche"),
        ),
    ),
    "cash": Layout(
        gettext_lazy("Cash through the village, with a receipt column"),
        (
            ("NO", "no"), ("NAMA", "name"), ("NIK", "nik"), ("DESA", "desa"),
            ("KECAMATAN", "kecamatan"), ("JUMLAH (Rp)", "amount"), ("TANDA TANGAN", "signature"),
        ),
    ),
}  # fmt: skip
CHANNEL_LAYOUT = {
    Tranche.Channel.BANK: "bank",
    Tranche.Channel.POS: "pos",
    Tranche.Channel.CASH: "cash",
}


def payable(tranche: Tranche):
    """The payments a file carries: to pay, not stopped, in the order of the file."""
    return tranche.payments.filter(status=Payment.Status.PLANNED).select_related(
        "desa__parent"
    ).order_by("desa__parent__name", "desa__name", "name", "pk")  # fmt: skip


def payment_file(tranche: Tranche, layout_key: str, *, purpose: str, by) -> tuple[bytes, int]:
    """(.xlsx bytes, payments in it) of the tranche's payable families, in `layout_key`."""
    layout = LAYOUTS[layout_key]
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Payments")[:31])
    now = timezone.localtime()
    who = by.get_full_name() or by.username
    recipients = tranche.recipients
    title = _("%(code)s %(label)s: %(layout)s") % {
        "code": recipients.target_id,
        "label": tranche.label,
        "layout": layout.label,
    }
    for line in (
        title,
        _("Decree %(number)s of %(date)s") % {
            "number": recipients.decree_number or "-",
            "date": recipients.decree_date.strftime("%d-%m-%Y") if recipients.decree_date else "-",
        },
        _("Made by %(who)s on %(when)s for: %(purpose)s") % {
            "who": who, "when": now.strftime("%d-%m-%Y %H:%M"), "purpose": purpose,
        },
        "",
    ):  # fmt: skip
        sheet.append([safe_cell(line)])
    sheet.append([text for text, _field in layout.columns])
    rows = 0
    for rows, payment in enumerate(payable(tranche).iterator(chunk_size=5000), start=1):
        sheet.append([_value(payment, field, rows, tranche) for _text, field in layout.columns])
    sheet.append([])
    sheet.append([safe_cell(_("Families")), rows])
    book.properties.creator = who
    book.properties.title = title
    book.properties.description = purpose
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def _value(payment: Payment, field: str, number: int, tranche: Tranche):
    if field == "no":
        return number
    if field == "amount":
        return payment.amount  # a number: the bank's sheet sums it
    if field == "desa":
        return safe_cell(payment.desa.name if payment.desa else "")
    if field == "kecamatan":
        return safe_cell(payment.desa.parent.name if payment.desa else "")
    if field == "tranche":
        return safe_cell(tranche.label)
    if field == "signature":
        return ""
    # Numbers as text: a NIK read as a number loses its last digits in Excel.
    return safe_cell(str(getattr(payment, field)))
