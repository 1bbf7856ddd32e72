"""CSV files read line by line: the encoding and the delimiter found, Excel's sep= hint honoured,
binary files refused."""

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from programs.intake.refusals import (
    ReadError,
    wrong_type,
)
from programs.intake.workbooks import BINARY_MAGIC, RawRow

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 256 * 1024
_SEP_LINE = re.compile(r"\Asep=(.)\r?\n")  # Excel's own hint on the first line of a CSV


# CSV --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvText:
    encoding: str  # "utf-8-sig" (with or without a BOM) or "cp1252"
    delimiter: str


def open_csv(
    path: Path, name: str, start: bytes, required_any: tuple[str, ...], find_header: Callable
) -> tuple[Iterator[RawRow], Callable[[], None], CsvText]:
    """The file's rows, a function closing it, and how it was read; `find_header` finds the
    header row under each delimiter tried."""
    if start.startswith(BINARY_MAGIC):
        raise wrong_type(name)
    if b"\0" in start and not start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise wrong_type(name)  # binary; UTF-16 text ("Unicode Text") is an encoding problem
    opening = start.lstrip(b"\xef\xbb\xbf \t\r\n")[:1024].lower()
    if opening.startswith(b"<") and any(tag in opening for tag in (b"<html", b"<table", b"<?xml")):
        raise ReadError(
            "type",
            _(
                "%(name)s is a web page or XML file saved under a spreadsheet name. Open it in "
                "Excel, choose Save As > Excel Workbook (.xlsx) and upload the new file."
            )
            % {"name": name},
        )
    encoding = _text_encoding(path)
    if encoding is None:
        raise ReadError(
            "encoding",
            _(
                "%(name)s is not text we can read. In Excel choose File > Save As > "
                "CSV UTF-8 (Comma delimited), or save it as .xlsx, and upload again."
            )
            % {"name": name},
        )
    delimiter = _sniff_delimiter(path, encoding, required_any, find_header)
    text = io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter)

    def read() -> Iterator[RawRow]:
        try:
            yield from enumerate(reader, start=1)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ReadError(
                "corrupt",
                _(
                    "%(name)s cannot be read from row %(line)s on: a quote may be left open or "
                    "a cell is far too long. Check that row, save the file again and upload it."
                )
                % {"name": name, "line": reader.line_num},
            ) from exc
        finally:
            text.close()

    return read(), text.close, CsvText(encoding, delimiter)


def _text_encoding(path: Path) -> str | None:
    """'utf-8-sig' (with or without BOM), else 'cp1252', else None; NUL bytes mean not text."""
    for encoding in ("utf-8", "cp1252"):
        # cp1252 decodes almost any byte; it fails on 0x81, 0x8D, 0x8F, 0x90 and 0x9D only.
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as file:
                while chunk := file.read(1024 * 1024):
                    if b"\0" in chunk:
                        return None
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return "utf-8-sig" if encoding == "utf-8" else encoding
    return None


def _sniff_delimiter(
    path: Path, encoding: str, required_any: tuple[str, ...], find_header: Callable
) -> str:
    """The delimiter under which the header row names the most known columns (`find_header`:
    the readers' search for the header row, which raises ReadError when there is none)."""
    with io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="") as text:
        sample = text.read(SNIFF_CHARS)
        if text.read(1):
            sample = sample[: sample.rfind("\n") + 1] or sample
    hint = _SEP_LINE.match(sample)
    if hint and hint.group(1) in DELIMITERS:
        return hint.group(1)
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        rows = enumerate(csv.reader(io.StringIO(sample), delimiter=delimiter), start=1)
        try:
            header = find_header(rows, required_any, "")
        except (ReadError, csv.Error):
            continue
        if len(header.columns) > best_count:
            best, best_count = delimiter, len(header.columns)
    return best


# Messages ---------------------------------------------------------------------------------
