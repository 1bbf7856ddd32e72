"""Proposal spreadsheets from villages, agencies and the district's combined list.

An upload is read and checked in the background (`check_upload`), shown to the operator as a
preview, and saved when confirmed (`save_upload`). Both read the stored file again from the
start, so either can run twice. The rule the operator sees: valid rows are accepted; rows with
problems are kept aside, listed and handed back in the operator's own file to fix and upload
again. A corrected row replaces its rejected self; a row already in the batch is not added
twice, so uploading the same file again changes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bansos.bulk import insert_rows
from bansos.memory import without_cycle_collection
from households.address import fold_place
from households.models import User
from households.regions import place_index
from programs.intake.checks import LABELS, Checked, ProposalChecker
from programs.intake.headers import REQUIRED_PROPOSAL, canonical
from programs.intake.readers import Sheet, open_sheet
from programs.intake.refusals import ReadError
from programs.intake.routing import Router, combined_title, target_batches
from programs.intake.stored import local_copy
from programs.intake.summary import sheet_summary
from programs.intake.writers import TEMPLATE_HEADERS
from programs.models import ProposalBatch, ProposalRow, Sector, Upload

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1_000
MAX_PROPOSAL_ROWS = 200_000
# An .xlsx is loaded whole before its rows can be counted: 256 MB of sheet XML holds far more
# than 200,000 families and keeps a worker well under 1 GB.
MAX_PROPOSAL_UNPACKED = 256 * 1024 * 1024
SAVE_CHUNK = 2_000
MAX_ATTEMPTS = 3  # workers lost on one step of an upload before it is given up


def start_upload(*, kind: str, file: File, filename: str, user: User, batch=None) -> Upload:
    """Keep the file and create its upload record; the checking runs in the background."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    upload = Upload(
        kind=kind,
        filename=filename[:255],
        size=file.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
        batch=batch,
    )
    upload.file.save(filename, file, save=False)
    upload.save()
    return upload


@without_cycle_collection()
def check_upload(upload_id: int) -> Upload:
    """Read and check every row; store the preview (counts, columns, problems). Saves nothing
    into any batch."""
    upload = Upload.objects.get(pk=upload_id)
    if upload.status not in (Upload.Status.QUEUED, Upload.Status.CHECKING):
        return upload
    if reason := given_up(upload):
        return _refuse(upload, reason)
    _set(upload, status=Upload.Status.CHECKING, rows_read=0)
    tally = _Tally()
    try:
        with _open(upload) as sheet:
            for row in _Intake(upload).rows(sheet):
                tally.add(row)
                if tally.counts["read"] % PROGRESS_EVERY == 0:
                    _set(upload, rows_read=tally.counts["read"])
            checked = tally.fields(sheet)
    except ReadError as refused:
        return _refuse(upload, str(refused))
    except Exception:
        log.exception("Checking upload %s failed", upload.pk)
        return _refuse(upload, _failed(upload))
    # Only if nobody cancelled meanwhile: the operator's "cancel" wins over a late result.
    Upload.objects.filter(pk=upload.pk, status=Upload.Status.CHECKING).update(
        status=Upload.Status.CHECKED, attempts=0, **checked
    )
    upload.refresh_from_db()
    return upload


def confirm_upload(upload: Upload) -> bool:
    """The operator saw the preview and saves it. True when this call started the saving; a
    second click, or a cancelled or already saved upload, changes nothing."""
    return bool(
        Upload.objects.filter(pk=upload.pk, status=Upload.Status.CHECKED).update(
            status=Upload.Status.SAVING
        )
    )


def save_upload(upload_id: int) -> Upload:
    """Add the checked rows to their batches: valid rows as proposed families, rows with
    problems as rows to fix. The upload stays locked while it saves, so a second run (a
    retried task) waits and then finds it done."""
    return _save(upload_id, Upload.Status.SAVING)


def check_and_save(upload_id: int) -> Upload:
    """Check and save in one pass, with no preview between: for a file nobody previews
    (`manage.py dedup_files`). It records what `check_upload` then `save_upload` would."""
    return _save(upload_id, Upload.Status.QUEUED, _Tally())


@without_cycle_collection()
def _save(upload_id: int, starts_from: str, tally: _Tally | None = None) -> Upload:
    waiting = Upload.objects.get(pk=upload_id)
    if waiting.status != starts_from:
        return waiting
    if reason := given_up(waiting):  # counted outside the save's transaction: it must stay
        return _refuse(waiting, reason)
    try:
        with transaction.atomic():
            upload = Upload.objects.select_for_update().get(pk=upload_id)
            if upload.status != starts_from:
                return upload
            if upload.batch_id and upload.batch.status != ProposalBatch.Status.DRAFT:
                raise ReadError(
                    "submitted",
                    _(
                        "The proposal was submitted before these rows were saved; nothing was "
                        "added. Upload the file into a new proposal."
                    ),
                )
            with _open(upload) as sheet:
                saved = _save_rows(upload, sheet, tally)
                checked = tally.fields(sheet) if tally is not None else {}
            fields = {
                "status": Upload.Status.DONE,
                "rows_saved": saved,
                "finished_at": timezone.now(),
                "attempts": 0,
                **checked,
            }
            for name, value in fields.items():
                setattr(upload, name, value)
            upload.save(update_fields=list(fields))
    except ReadError as refused:  # submitted meanwhile, or the stored file changed or vanished
        return _refuse(Upload.objects.get(pk=upload_id), str(refused))
    except Exception:
        log.exception("Saving upload %s failed", upload_id)
        return _refuse(Upload.objects.get(pk=upload_id), _failed(upload))
    return upload


def cancel_upload(upload: Upload) -> bool:
    """Stop before anything is saved. A roster import cannot be cancelled half-way."""
    if upload.kind == Upload.Kind.ROSTER:
        return False
    return bool(
        Upload.objects.filter(
            pk=upload.pk,
            status__in=(Upload.Status.QUEUED, Upload.Status.CHECKING, Upload.Status.CHECKED),
        ).update(status=Upload.Status.CANCELLED, finished_at=timezone.now())
    )


def _failed(upload: Upload) -> str:
    return _(
        "Checking %(name)s stopped because of an error on the server; nothing was saved. "
        "Try again; if it happens again, tell the administrator."
    ) % {"name": upload.filename}


Rejected = tuple[list[str], list[tuple[int | None, str]], str]


def rejected_rows(rows, headers: list[str], columns: dict[str, int]) -> Iterator[Rejected]:
    """Rows waiting for a fix, laid out under `headers`: (cells, problems by column, ref).

    A row keeps its own cells when it came in this layout; a row from a file laid out
    differently (the district's combined list, say) is placed column by column.
    """
    for row in rows.filter(status=ProposalRow.Status.INVALID).select_related("upload"):
        cells = list(row.raw.get("cells", []))
        own = row.upload.summary if row.upload_id else {}
        if own.get("headers") != headers:
            placed = [""] * len(headers)
            for canonical, index in own.get("columns", []):
                if canonical in columns and index < len(cells):
                    placed[columns[canonical]] = cells[index]
            cells = placed
        cells += [""] * (len(headers) - len(cells))
        problems = [(columns.get(p["column"]), p["message"]) for p in row.problems]
        yield cells, problems, str(row.pk)


def layout(upload: Upload | None) -> tuple[list[str], dict[str, int]]:
    """The headers of an upload and where each canonical column sits in them; without an
    upload, the template's own layout."""
    if upload is None:
        headers = list(TEMPLATE_HEADERS)
        return headers, {canonical(h): i for i, h in enumerate(headers) if canonical(h)}
    return upload.summary.get("headers", []), dict(upload.summary.get("columns", []))


@contextlib.contextmanager
def _open(upload: Upload) -> Iterator[Sheet]:
    """The upload's sheet, read from a local copy when the storage is remote."""
    with local_copy(upload.file, upload.filename) as path:
        sheet = open_sheet(
            path,
            filename=upload.filename,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_rows=MAX_PROPOSAL_ROWS,
            max_unpacked=MAX_PROPOSAL_UNPACKED,
        )
        with sheet:
            _require_columns(upload, sheet)
            yield sheet


def _require_columns(upload: Upload, sheet: Sheet) -> None:
    missing = [c for c in REQUIRED_PROPOSAL if c not in sheet.columns.values()]
    if missing:
        raise ReadError(
            "columns",
            _(
                "%(name)s has no column %(missing)s. Every proposal needs NO KK, NIK, NAMA, "
                "ALAMAT, DESA and KECAMATAN; add the missing columns and upload again."
            )
            % {"name": upload.filename, "missing": ", ".join(LABELS[c] for c in missing)},
        )


VALID, INVALID, KNOWN, HEADER = "valid", "invalid", "known", "header"


@dataclass
class _Row:
    """One data row of a file and what becomes of it: exactly one outcome.

    valid: joins its batch (or corrects the rejected row `earlier`); invalid: kept aside to be
    fixed (`stored` is False when the batch waits on the very same row already, or no unit
    takes it); known: the family is in the batch already, as row `known_as`; header: the
    header row again inside the data, refused."""

    checked: Checked
    unit: int | None
    outcome: str
    stored: bool = True
    earlier: ProposalRow | None = None
    known_as: str = ""  # why a known row is not added: names the batch's row

    def problem_dicts(self) -> list[dict]:
        number, line = self.checked.row.number, self.checked.row.line
        if self.outcome == KNOWN:
            return [{"row": number, "line": line, "column": None, "message": self.known_as}]
        return [
            {"row": number, "line": line, "column": c or None, "message": m}
            for c, m in self.checked.problems
        ]

    def note_dicts(self) -> list[dict]:
        number, line = self.checked.row.number, self.checked.row.line
        return [
            {"row": number, "line": line, "column": c, "message": m} for c, m in self.checked.notes
        ]


class _Tally:
    """How a file's rows came out, as the preview shows them: counts, problems and notes."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.problems: list[dict] = []
        self.notes: list[dict] = []
        self.kinds: Counter[str] = Counter()  # problems by column, for the summary

    def add(self, row: _Row) -> None:
        self.counts["read"] += 1
        self.counts[row.outcome] += 1
        self.problems += row.problem_dicts()
        self.notes += row.note_dicts()
        if row.outcome == INVALID:
            self.kinds.update(column for column, _message in row.checked.problems)

    def fields(self, sheet: Sheet) -> dict:
        """The upload's fields that hold the tally."""
        summary = sheet_summary(sheet, self.kinds)
        summary["notes"] = self.notes
        return {
            "rows_read": self.counts["read"],
            "rows_valid": self.counts[VALID],
            "rows_invalid": self.counts[INVALID],
            "rows_known": self.counts[KNOWN],
            "summary": summary,
            "problems": self.problems,
        }


class _Intake:
    """What the batches an upload writes to hold already, and each row of the file measured
    against it. The check and the save each make one and read the file through it, so the
    preview's counts are what the save does."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.batches = target_batches(upload)
        rows = ProposalRow.objects.filter(batch__in=self.batches.values())
        # A NIK and a No. KK are both 16 digits built alike (region, date, serial): a head's
        # NIK can equal another family's No. KK, so each kind is looked up on its own.
        self.known_nik: dict[tuple[int, str], int] = {}
        self.known_kk: dict[tuple[int, str], int] = {}
        valid = rows.filter(status=ProposalRow.Status.VALID)
        for unit, nik, no_kk, number in valid.values_list(
            "batch__unit_id", "nik", "no_kk", "row_number"
        ).iterator():
            self.known_nik.setdefault((unit, nik), number)
            self.known_kk.setdefault((unit, no_kk), number)
        self.waiting = {
            str(r.pk): r for r in rows.filter(status=ProposalRow.Status.INVALID).order_by("pk")
        }
        # A row fixed in the operator's original file carries no ID BARIS BANSOS: it is
        # recognised by the NIK or No. KK that was already right in its rejected self.
        self.waiting_by_number = {
            (r.batch_id, kind, number): r
            for r in self.waiting.values()
            for kind, number in (("nik", r.nik), ("kk", r.no_kk))
            if len(number) == 16 and number.isdigit()
        }
        # Every row ever stored in these batches: an old rejected file uploaded again adds
        # nothing.
        stored = rows.values_list("pk", "fingerprint", "row_number")
        self.refs: dict[str, int] = {}
        self.fingerprints: set[str] = set()
        for pk, fingerprint, number in stored.iterator():
            self.refs[str(pk)] = number
            self.fingerprints.add(fingerprint)

    def rows(self, sheet: Sheet) -> Iterator[_Row]:
        route = Router(self.upload.batch.unit if self.upload.batch_id else None)
        checker = ProposalChecker(place_index(), route.refusal)
        for source in sheet.rows():
            if source.repeated_header:
                checked = Checked(source)
                checked.problem(
                    "", _("The header row again: not a family. Delete this row from the file.")
                )
                yield _Row(checked, None, HEADER, stored=False)
                continue
            checked = checker.check(source)
            unit = route.unit_of(checked)
            if unit is None and checked.fields["desa_id"] is not None:
                checked.problem(
                    "desa",
                    _(
                        "No village or agency here proposes for this desa; name the agency in "
                        "SUMBER or ask Dinsos to add the village."
                    ),
                )
            yield self._outcome(checked, unit)

    def _outcome(self, checked: Checked, unit: int | None) -> _Row:
        if unit is None:  # only in the upload's problem list: no batch to hand it to
            return _Row(checked, unit, INVALID, stored=False)
        f = checked.fields
        if checked.ok:
            for label, known, number in (
                (LABELS["nik"], self.known_nik, f["nik"]),
                (LABELS["no_kk"], self.known_kk, f["no_kk"]),
            ):
                if (unit, number) in known:
                    message = _(
                        "The same %(number)s as row %(row)s, already in the proposal: not added "
                        "twice."
                    ) % {"number": label, "row": known[(unit, number)]}
                    return _Row(checked, unit, KNOWN, stored=False, known_as=message)
        earlier = self.waiting.pop(f["ref"], None)
        if earlier is None and f["ref"] in self.refs:
            message = _(
                "An older copy of row %(row)s of the proposal, which was corrected already: not "
                "added again."
            ) % {"row": self.refs[f["ref"]]}
            return _Row(checked, unit, KNOWN, stored=False, known_as=message)
        if earlier is None and unit in self.batches:
            batch = self.batches[unit].pk
            for kind, number in (("nik", f["nik"]), ("kk", f["no_kk"])):
                match = self.waiting_by_number.get((batch, kind, number))
                if match is not None and self.waiting.pop(str(match.pk), None) is not None:
                    earlier = match
                    break
        outcome = VALID if checked.ok else INVALID
        if earlier is None and not checked.ok and _fingerprint(checked) in self.fingerprints:
            return _Row(checked, unit, outcome, stored=False)  # the same rejected row again
        return _Row(checked, unit, outcome, earlier=earlier)


def _fingerprint(checked: Checked) -> str:
    return hashlib.sha1("\x1f".join(checked.row.cells).encode()).hexdigest()


def _save_rows(upload: Upload, sheet: Sheet, tally: _Tally | None = None) -> int:
    """Store the rows; returns how many valid families joined (or were corrected into) a
    batch. A new row's number is its data row in the file after the batch's last row before
    this file, so a batch filled from one file numbers its families as that file does."""
    intake = _Intake(upload)
    batches = intake.batches
    base = {b.pk: b.rows.aggregate(n=Max("row_number"))["n"] or 0 for b in batches.values()}
    sectors = {fold_place(s.name): s for s in Sector.objects.all()}
    saved, new_rows = 0, []
    for row in intake.rows(sheet):
        if tally is not None:
            tally.add(row)
        if not row.stored:
            continue
        checked, unit = row.checked, row.unit
        if unit not in batches:
            batches[unit] = ProposalBatch.objects.create(
                unit_id=unit,
                title=combined_title(upload),
                created_by=upload.uploaded_by,
                combined=True,
                sector=sectors.get(fold_place(checked.fields["sector"])),
            )
            base[batches[unit].pk] = 0
        batch = batches[unit]
        values = _values(checked, upload, _fingerprint(checked))
        if row.earlier is not None:
            for name, value in values.items():
                setattr(row.earlier, name, value)
            row.earlier._history_user = upload.uploaded_by
            row.earlier.save()
        else:
            values["batch_id"], values["row_number"] = batch.pk, base[batch.pk] + checked.row.number
            new_rows.append(values)
            if len(new_rows) >= SAVE_CHUNK:  # memory stays flat however long the file
                insert_rows(ProposalRow, new_rows)
                new_rows.clear()
        saved += checked.ok
    insert_rows(ProposalRow, new_rows)
    return saved


def _values(checked: Checked, upload: Upload, fingerprint: str) -> dict:
    """A proposal row's fields as the file gives them (all but its batch and number)."""
    f = checked.fields
    return {
        **{name: f[name] for name in ("no_kk", "nik", "name", "sex", "birth_date")},
        **{name: f[name] for name in ("mother_name", "address", "rt", "rw", "desa_id")},
        "phone": f["phone"],
        "remarks": f["remarks"],
        "raw": {"cells": checked.row.cells, "line": checked.row.line, "row": checked.row.number},
        "problems": [{"column": c, "message": m} for c, m in checked.problems],
        "notes": [{"column": c, "message": m} for c, m in checked.notes],
        "status": ProposalRow.Status.VALID if checked.ok else ProposalRow.Status.INVALID,
        "upload_id": upload.pk,
        "fingerprint": fingerprint,
    }


def given_up(upload: Upload) -> str | None:
    """Count a worker taking up the upload's current step (a check, a save, an import). Once
    workers were lost on that step MAX_ATTEMPTS times, why it is given up: a file that kills
    every worker reading it (out of memory) is not taken up again and again for ever. The
    step's caller refuses the upload with this message; a finished step counts from 0."""
    Upload.objects.filter(pk=upload.pk).update(attempts=F("attempts") + 1)
    upload.refresh_from_db(fields=["attempts"])
    if upload.attempts <= MAX_ATTEMPTS:
        return None
    return _(
        "Reading %(name)s stopped the server's worker %(n)s times (the file may be damaged or "
        "far too large), so it was given up. Open it in Excel, save it again (or split it) and "
        "upload the new file."
    ) % {"name": upload.filename, "n": MAX_ATTEMPTS}


def _refuse(upload: Upload, message: str) -> Upload:
    _set(upload, status=Upload.Status.REFUSED, error=message, finished_at=timezone.now())
    return upload


def _set(upload: Upload, **fields) -> None:
    """Write progress at once, outside any open transaction, so the page sees it."""
    for name, value in fields.items():
        setattr(upload, name, value)
    Upload.objects.filter(pk=upload.pk).update(**fields)
