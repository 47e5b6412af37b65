"""Inserting many rows without building a model instance per row.

Django's bulk_create prepares every field of every instance through the ORM
(about 30 µs a row for a person); for an import of 100,000 people that was most
of the write time. Here the caller gives plain tuples for named columns; only
the few field types whose database form differs from the Python value (dates,
datetimes, JSON) pass through Django's own adapters, so the stored values are
exactly what bulk_create would have stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connection

# Field types whose Python value must be adapted for the database driver.
_ADAPTED = {"DateField", "DateTimeField", "JSONField"}
BATCH_SIZE = 5000


class JsonText(str):
    """A JSON field's value already dumped (e.g. the same value for every row)."""


def _adapters(model, columns: Sequence[str]) -> list[tuple[int, object]]:
    fields = [model._meta.get_field(name) for name in columns]
    return [
        (index, _adapter(field))
        for index, field in enumerate(fields)
        if field.get_internal_type() in _ADAPTED
    ]


def _adapted(rows: Iterable[tuple], adapters) -> Iterable[tuple]:
    if not adapters:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for index, adapt in adapters:
            if values[index] is not None:
                values[index] = adapt(values[index])
        out.append(values)
    return out


def _adapter(field):
    """Django's own adaptation of a value of `field`, remembered for repeated
    dates and times (an import stamps every row with the same time)."""
    if field.get_internal_type() == "JSONField":
        # JSON text, as Django stores it on SQLite; PostgreSQL's COPY parses the same
        # text into jsonb (Django's own adapter wraps it for psycopg, slower per row).
        return lambda value: (
            value if type(value) is JsonText else json.dumps(value, cls=field.encoder)
        )
    memo: dict = {}

    def adapt(value):
        if value not in memo:
            memo[value] = field.get_db_prep_save(value, connection)
        return memo[value]

    return adapt


def insert(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT `rows` (tuples in the order of `columns`, attnames) into the model's table."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    adapters = _adapters(model, columns)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            batch = _adapted(rows[start : start + BATCH_SIZE], adapters)
            if connection.vendor == "postgresql":
                # COPY: one stream instead of a statement per row (measured 3x the write speed).
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", batch)


def insert_returning_ids(model, columns: Sequence[str], rows: list[tuple], key: str) -> list:
    """insert(), then the new rows' primary keys in the order of `rows`.

    PostgreSQL: the keys are drawn from the table's sequence in one query and written
    with the rows (reading them back by `key` took a query per 1,000 rows). SQLite: read
    back by `key`, a unique column, in-process and cheap."""
    if not rows:
        return []
    pk = model._meta.pk.attname
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, model._meta.pk.column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        insert(model, [pk, *columns], [(i, *row) for i, row in zip(ids, rows, strict=True)])
        return ids
    insert(model, columns, rows)
    at = list(columns).index(key)
    found = lookup(model, key, pk, [row[at] for row in rows])
    return [found[row[at]] for row in rows]


LOOKUP_CHUNK = 5000  # stays under SQLite's limit on query parameters


def lookup(model, key: str, value: str, keys: Sequence) -> dict:
    """{key: value} for the rows whose `key` column is in `keys` (attnames).

    A plain query: the ORM's `__in` prepares each of thousands of parameters in
    Python (about 6 µs apiece), more than the database takes to answer."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key_column = quote(model._meta.get_field(key).column)
    value_column = quote(model._meta.get_field(value).column)
    select = f"SELECT {key_column}, {value_column} FROM {table} WHERE {key_column}"
    found: dict = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: PostgreSQL plans it faster than thousands of them.
            cursor.execute(f"{select} = ANY(%s)", [list(keys)])
            return dict(cursor.fetchall())
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            cursor.execute(f"{select} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            found.update(cursor.fetchall())
    return found


@contextmanager
def roomy_sqlite_cache(pages_kib: int = 32768):
    """A larger SQLite page cache while a big import writes: with nine indexes on the
    people table, the default 2 MB cache made index updates re-read pages. 32 MB: a 64 MB
    cache pushed a 100,000-row import over its 300 MB memory budget."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(pages_kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
