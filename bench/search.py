"""`nox -s bench`: what the search vector costs, built by domain/search.py against PostgreSQL's generated column.

On the two corpora of `bench/ingest.py` (2,000 messages each): the CPU per message of ``search.vector`` in
Python, and the CPU of one PostgreSQL backend per inserted row into three tables, in transactions of 10 rows:
the message's searched columns alone, plus the old generated ``to_tsvector('simple', …)`` column and its GIN
index, plus a plain tsvector column given the literal (and the same GIN index). Prints numbers and ratios,
one line per round; never passes or fails.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from ingest import realistic, repeated  # noqa: E402
from mailman_services.db.engine import embedded_database_url  # noqa: E402
from mailman_services.domain import search  # noqa: E402
from mailman_services.domain.parsing import parse  # noqa: E402

COUNT = 2_000
ROUNDS = 3
BATCH = 10
COLUMNS = "subject text, sender_address text, sender_name text, body text"
GENERATED = (
    "to_tsvector('simple', left(coalesce(subject, ''), 2000) || ' ' || left(coalesce(sender_address, ''), 1000)"
    " || ' ' || left(coalesce(sender_name, ''), 1000) || ' ' || left(coalesce(body, ''), 80000))"
)
TABLES = {
    "columns alone": f"CREATE TABLE bench ({COLUMNS})",
    "generated to_tsvector + GIN": f"CREATE TABLE bench ({COLUMNS}, search tsvector GENERATED ALWAYS AS ({GENERATED})"
    " STORED); CREATE INDEX ON bench USING gin (search)",
    "literal from Python + GIN": f"CREATE TABLE bench ({COLUMNS}, search tsvector); CREATE INDEX ON bench USING gin"
    " (search)",
}


def fields(corpus: str) -> list[tuple[str, str | None, str | None, str | None]]:
    raws = realistic(COUNT, "bench@example.com") if corpus == "realistic" else repeated(COUNT, "bench@example.com")
    out = []
    for raw in raws:
        parsed = parse(raw)
        sender = parsed.from_ or {}
        out.append((parsed.subject, sender.get("address"), sender.get("name"), parsed.text))
    return out


def python_ms(messages: list[tuple[str, str | None, str | None, str | None]]) -> tuple[float, list[str]]:
    started = time.process_time()
    vectors = [search.vector(*message) for message in messages]
    return (time.process_time() - started) * 1000 / len(messages), vectors


def postgres_ms(url: str, table: str, rows: list[tuple[Any, ...]]) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench")
        conn.execute(TABLES[table])
        backend = psutil.Process(conn.info.backend_pid)
        with_vector = table.startswith("literal")
        insert = (
            "INSERT INTO bench VALUES (%s, %s, %s, %s, %s::tsvector)"
            if with_vector
            else "INSERT INTO bench VALUES (%s, %s, %s, %s)"
        )
        before = backend.cpu_times()
        for start in range(0, len(rows), BATCH):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.executemany(insert, [row if with_vector else row[:4] for row in rows[start : start + BATCH]])
        after = backend.cpu_times()
        conn.execute("DROP TABLE bench")
    return (after.user + after.system - before.user - before.system) * 1000 / len(rows)


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        url = embedded_database_url(Path(data_dir)).replace("postgresql+psycopg://", "postgresql://")
        for corpus in ("realistic", "repeated"):
            messages = fields(corpus)
            characters = sum(len(m[3] or "") for m in messages) / len(messages)
            for round_ in range(1, ROUNDS + 1):
                python, vectors = python_ms(messages)
                rows = [(*m, v) for m, v in zip(messages, vectors, strict=True)]
                costs = {table: postgres_ms(url, table, rows) for table in TABLES}
                plain, generated, literal = costs.values()
                print(
                    f"{corpus} ({characters:,.0f} characters of text) round {round_}:"
                    f" Python vector {python:.3f} ms/message;"
                    + "".join(f" PostgreSQL {table} {cost:.3f} ms/row;" for table, cost in costs.items())
                    + f" vector cost in PostgreSQL (over the columns alone): generated {generated - plain:.3f} ms,"
                    f" literal {literal - plain:.3f} ms, literal/generated {literal / generated:.2f}"
                )


if __name__ == "__main__":
    main()
