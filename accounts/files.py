"""The accounts spreadsheet's template."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from households.models import User
from programs.intake.writers import HEADER_FILL, HEADER_FONT, TEXT

from .imports import TEMPLATE_HEADERS

ROWS = 500  # rows formatted below the header


def write_template(stream, editor: User) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Akun"
    sheet.append(TEMPLATE_HEADERS)
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (32, 22, 24, 20, 28, 28, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in range(2, ROWS + 2):
        sheet.cell(row=row, column=7).number_format = TEXT  # NO HP keeps its leading 0
    roles = [role for role in User.Role if editor.may_grant(role)]
    labels = [str(User.Role(role).label) for role in roles]
    choice = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
    choice.add(f"B2:B{ROWS + 1}")
    sheet.add_data_validation(choice)

    notes = book.create_sheet(_("Instructions"))
    for line in (
        _("One row per person. NAMA and PERAN are required."),
        _("Village operators: DESA/KELURAHAN and KECAMATAN as Kemendagri names them."),
        _("Agency operators: OPD as the office's list of agencies names it."),
        _("Kecamatan staff (TKSK): KECAMATAN."),
        _("Roles: %(roles)s.") % {"roles": ", ".join(labels)},
        _("A USERNAME column may be added; without it, usernames are made from the names."),
        _("EMAIL lets the person reset a forgotten password; NO HP is for the office."),
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()  # a response cannot seek back, which the zip writer wants
    book.save(buffer)
    stream.write(buffer.getvalue())
