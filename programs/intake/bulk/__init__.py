"""PostgreSQL: a roster stored set-based, fast enough for a province's millions of rows.

`store` runs the steps below for `programs.intake.rosters.run_import`; `attach` is the last one,
run in the transaction that makes the version active.

1. Stage (`stage`): the file's cells into an UNLOGGED table, one text column per header column.
2. Survey (`convert`): each distinct text that needs a Python answer is answered once.
3. Insert (`convert`): the rows converted in SQL with those answers into the version's
   partition to be, a chunk per statement, two connections at a time.
4. Index (`index`): the partition's indexes, built at the end, two at a time.
5. Attach: ATTACH PARTITION makes every row visible at once, in the transaction that makes the
   version active. A failed import is two DROP TABLEs.

Inside a transaction (the test suite) the steps run one after another on the one connection.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.db import connection

from programs.intake.readers import Sheet
from programs.intake.roster_values import Counts, Values
from programs.models import RosterVersion, Upload

from . import convert, index, stage
from .load import TABLE, Load, Progress, partition, stage_table

__all__ = ["attach", "drop", "partition", "store"]

logger = logging.getLogger(__name__)


def store(
    upload: Upload, sheet: Sheet, path: Path, values: Values, progress: Progress | None
) -> Counts:
    """Load every data row of the sheet into the version's partition-to-be, indexed, ready to
    attach; returns what the rows held. The upload's counters move as chunks are stored."""
    load = Load(upload, sheet, values)
    clock = _Clock(upload)
    stage.stage(load, path)
    clock("stage")
    load.save_counters(rows_read=load.counts.read)
    if progress is not None:
        progress(upload)
    if load.counts.read:
        convert.survey(load)
        clock("survey")
        convert.insert(load, progress)
        clock("insert")
        index.index(load)
        clock("index")
    # (A failed load leaves them for rosters._discard, which drops them with the partition.)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {load.stage_table}, {load.lookup}")
    return load.counts


def attach(version: RosterVersion) -> None:
    """Make the loaded rows the version's partition: one statement, visible with the commit."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition(version)])
        if cursor.fetchone()[0]:
            cursor.execute(
                f"ALTER TABLE {TABLE} ATTACH PARTITION {partition(version)} "
                f"FOR VALUES IN ({int(version.pk)})"
            )
    logger.debug("roster version %s: attach %.2f s", version.pk, time.monotonic() - started)


def drop(version: RosterVersion) -> None:
    """Throw away the tables of an unfinished load of this version (none if it never began)."""
    if version.status not in (RosterVersion.Status.IMPORTING, RosterVersion.Status.FAILED):
        raise ValueError(f"the rows of a {version.status} version are never dropped")
    staged = stage_table(version)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {partition(version)}, {staged}, {staged}_lookup")


class _Clock:
    """Logs how long each step took (DEBUG), for the benchmark and the curious."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.last = time.monotonic()

    def __call__(self, step: str) -> None:
        now = time.monotonic()
        logger.debug("roster upload %s: %s %.2f s", self.upload.pk, step, now - self.last)
        self.last = now
