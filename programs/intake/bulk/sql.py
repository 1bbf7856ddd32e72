"""Statements run on connections of their own, two at a time, with the memory they need."""

from __future__ import annotations

import concurrent.futures
import functools
from collections.abc import Callable, Iterator

from django.db import connection, transaction

WORKERS = 2  # connections inserting or indexing at once
WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())  # what strip() strips
DIGITS = "0123456789"


def literal(text: str) -> str:
    """A SQL string literal (standard_conforming_strings: only the quote is doubled)."""
    if "\0" in text:
        raise ValueError("NUL in a SQL literal")
    return "'" + text.replace("'", "''") + "'"


def execute(sql: str, params: dict, every: bool = False) -> tuple | list[tuple]:
    """One statement with room to hash its lookups and groups in memory (the default 4 MB
    would spill a province's distinct dates to disk)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        # Compiling these wide statements costs seconds each and saves less than that.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall() if every else cursor.fetchone()


def maintain(sql: str) -> None:
    """Build an index (or ANALYZE): the two connections already share the two cores."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 0")
        cursor.execute(sql)


def task(function: Callable, *args, **kwargs) -> Callable:
    return functools.partial(function, *args, **kwargs)


def run(tasks: list[Callable]) -> Iterator:
    """Run the tasks on WORKERS connections of their own and yield their results as they
    finish; one after another on this connection inside a transaction, where other
    connections would not see the tables it created."""
    if connection.in_atomic_block:
        for each in tasks:
            yield each()
        return
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(_own_connection, each) for each in tasks]
        try:
            for future in concurrent.futures.as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _own_connection(each: Callable):
    try:
        return each()
    finally:
        connection.close()  # this thread's connection
