"""The refusals of a whole file: what cannot be read, why, and what the operator does about it."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _


class ReadError(Exception):
    """The whole file cannot be read; .code is stable ('type', 'empty', 'no_header', 'encrypted',
    'too_big', 'zip_bomb', 'encoding', 'corrupt', 'too_many_rows'), str(err) is the translated
    message naming the problem and what to do."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def too_many_rows(name: str, limit: int) -> ReadError:
    return ReadError(
        "too_many_rows",
        _(
            "%(name)s has more than %(limit)s data rows, the most one file may hold. Split it "
            "into smaller files and upload them one by one."
        )
        % {"name": name, "limit": limit},
    )


def megabytes(size: int) -> str:
    """77,4 (the office's decimal comma); a whole number without its decimals."""
    megabytes = round(size / (1024 * 1024), 1)
    return number_format(megabytes, 0 if megabytes.is_integer() else 1)


def empty_file(name: str) -> ReadError:
    return ReadError(
        "empty",
        _("%(name)s is empty: it has no rows with data. Check that you chose the right file.")
        % {"name": name},
    )


def wrong_type(name: str) -> ReadError:
    return ReadError(
        "type",
        _(
            "%(name)s is not a spreadsheet. Upload an Excel file (.xlsx or .xls) or a CSV file "
            "(.csv)."
        )
        % {"name": name},
    )


def encrypted(name: str) -> ReadError:
    return ReadError(
        "encrypted",
        _(
            "%(name)s is protected with a password. Remove the password in Excel (File > Info > "
            "Protect Workbook), save the file and upload again."
        )
        % {"name": name},
    )


def corrupt(name: str) -> ReadError:
    return ReadError(
        "corrupt",
        _(
            "%(name)s is damaged and cannot be opened. Open it in Excel, save it again as .xlsx "
            "and upload the new file."
        )
        % {"name": name},
    )
