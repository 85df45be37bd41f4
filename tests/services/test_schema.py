"""The schema the Alembic migrations build is the one db/schema.py declares, indexes and generated columns too."""

from __future__ import annotations

import psycopg
import sqlalchemy
from mailman_services.db.engine import migrate
from mailman_services.db.schema import metadata

from tests.conftest import Stack

COLUMNS = """
    SELECT table_name, column_name, data_type, is_nullable, column_default, generation_expression
    FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'alembic_version'
"""
INDEXES = """
    SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'alembic_version'
"""


def test_the_migrations_build_the_declared_schema(stack: Stack) -> None:
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        for name in ("schema_migrated", "schema_declared"):
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    migrate(f"postgresql+psycopg://postgres@/schema_migrated?host={socket_dir}")
    declared = sqlalchemy.create_engine(f"postgresql+psycopg://postgres@/schema_declared?host={socket_dir}")
    metadata.create_all(declared)
    declared.dispose()

    def schema(name: str) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname=name) as conn:
            return {tuple(r) for r in conn.execute(COLUMNS)}, {tuple(r) for r in conn.execute(INDEXES)}

    migrated_columns, migrated_indexes = schema("schema_migrated")
    declared_columns, declared_indexes = schema("schema_declared")
    assert migrated_columns ^ declared_columns == set()
    assert migrated_indexes ^ declared_indexes == set()
    assert ("messages", "ix_messages_message_id") in {(table, index) for table, index, _ in migrated_indexes}


def test_message_bodies_are_not_compressed_with_pglz(stack: Stack) -> None:
    """Migration 0018: lz4 where the server has it, else stored uncompressed (pglz cost ~13 % of ingest's database
    CPU)."""
    socket_dir = stack.data_dir / "postgres"
    query = """
        SELECT attname, attstorage, attcompression FROM pg_attribute
        WHERE attrelid = 'messages'::regclass AND attname = ANY(%s)
    """
    columns = ["text", "html", "extracted_text", "extracted_html", "headers", "search"]
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        found = {name: (storage, compression) for name, storage, compression in conn.execute(query, (columns,))}
    assert found.keys() == set(columns)
    assert all(storage == "e" or compression == "l" for storage, compression in found.values()), found
