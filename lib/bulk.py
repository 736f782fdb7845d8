"""Fast bulk loading for city-scale seeds: PostgreSQL COPY, or batched INSERTs elsewhere. No models."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from django.db import connection


def next_id(table: str) -> int:
    with connection.cursor() as c:
        c.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - table names are ours
        return c.fetchone()[0]


def load(table: str, columns: Sequence[str], rows: Iterable[Sequence], *, batch: int = 50_000) -> int:
    """Append ``rows`` to ``table``; returns the count. Rows carry their own ids where given.

    On PostgreSQL rows stream through COPY in batches; the id sequence is moved past the
    largest id afterwards, so ordinary inserts keep working.
    """
    n = 0
    if connection.vendor == "postgresql":
        cols = ", ".join(f'"{c}"' for c in columns)  # quoted: "end" is a reserved word
        copy = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        buf, w, pending = io.StringIO(), None, 0
        w = csv.writer(buf)
        with connection.cursor() as c:
            for row in rows:
                w.writerow(["\\N" if v is None else v for v in row])
                pending += 1
                if pending >= batch:
                    buf.seek(0)
                    c.cursor.copy_expert(copy, buf)
                    n += pending
                    buf, pending = io.StringIO(), 0
                    w = csv.writer(buf)
            if pending:
                buf.seek(0)
                c.cursor.copy_expert(copy, buf)
                n += pending
            if "id" in columns:
                c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
        return n
    placeholders = ", ".join(["%s"] * len(columns))
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608
    chunk = []
    with connection.cursor() as c:
        for row in rows:
            chunk.append(tuple(row))
            if len(chunk) >= batch:
                c.executemany(sql, chunk)
                n += len(chunk)
                chunk = []
        if chunk:
            c.executemany(sql, chunk)
            n += len(chunk)
    return n
