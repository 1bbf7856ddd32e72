"""The project's Celery app, for tests that kill a worker process: started with
HOLD_CHUNK_FILE set, the worker matches the first chunk it is given, writes that chunk's id to
the file and waits there, before a single result is written, for the test to kill it. Only
once: while the file exists, chunks run through.

    celery -A tests.dedup.held_worker worker --pool=solo
"""

import os
import time
from pathlib import Path

import django

from bansos.celery import app

__all__ = ["app"]

django.setup()

if hold := os.environ.get("HOLD_CHUNK_FILE"):
    from dedup import pipeline

    matched = pipeline._match

    def _match_and_hold(chunk):
        found = matched(chunk)
        if not Path(hold).exists():
            written = Path(f"{hold}.part")
            written.write_text(str(chunk.pk))
            written.rename(hold)  # whole, or not there at all
            time.sleep(600)
        return found

    pipeline._match = _match_and_hold
