"""Fast bulk loading for city-scale seeds: PostgreSQL COPY, or batched INSERTs elsewhere. No models."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

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


@contextmanager
def indexes_after(*tables: str):
    """Load ``tables`` without their secondary indexes and foreign keys, then build them again in
    one pass each (PostgreSQL; elsewhere a no-op).

    Keeping a dozen indexes up to date row by row, and queueing a deferred foreign-key check per
    row, costs more than the COPY itself; building an index or validating a key over the loaded
    table is one sort or one join. Primary keys and unique constraints stay (they guard the
    data). Inside the caller's transaction, so a failed load leaves the schema as it was.
    """
    if connection.vendor != "postgresql" or not tables:
        yield
        return
    with connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check what is queued: no pending events block the ALTERs
        c.execute("SET LOCAL maintenance_work_mem = '256MB'")
        c.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [list(tables)],
        )
        keys = c.fetchall()
        c.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
            [list(tables)],
        )
        indexes = c.fetchall()
        for table, name, _ in keys:
            c.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            c.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as c:
        for _, ddl in indexes:  # IF NOT EXISTS: a step may have built some of them itself
            c.execute(
                ddl.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1).replace(
                    "CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ", 1
                )
            )
        for table, name, definition in keys:
            c.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        for table in tables:
            c.execute(f"ANALYZE {table}")
        c.execute("SET CONSTRAINTS ALL DEFERRED")
