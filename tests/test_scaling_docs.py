"""The Citus SQL in docs/scaling.md against the schema: every table placed once, and what
Citus enforces holds — the distribution column in every primary key and unique constraint,
foreign keys only to reference tables or co-located tables on their distribution columns,
co-located columns of one type, referenced tables placed first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, UniqueConstraint

import runtime.engine  # noqa: F401  (every table module joins the store's metadata)
from runtime.security.identity.tables import metadata as identity_metadata
from runtime.store.schema import metadata

DOC = Path(__file__).parent.parent / "docs" / "scaling.md"
TABLES: dict[str, Table] = {**metadata.tables, **identity_metadata.tables}
CALL = re.compile(r"SELECT create_(reference|distributed)_table\('(\w+)'(?:, '(\w+)')?"
                  r"(?:, colocate_with => '(\w+)')?\);")


def citus_sql() -> str:
    text = DOC.read_text()
    return text[text.index("CREATE EXTENSION IF NOT EXISTS citus;"):].split("```")[0]


def placements() -> dict[str, tuple[str, str | None, str | None]]:
    """table -> (reference | distributed | local, distribution column, colocate_with)."""
    sql = citus_sql()
    placed: dict[str, tuple[str, str | None, str | None]] = {}
    for kind, table, column, colocate in CALL.findall(sql):
        assert table not in placed, f"{table} placed twice"
        placed[table] = (kind, column or None, colocate or None)
    for table in re.search(r"-- stays a plain table on the coordinator: ([\w, ]+)", sql)[1] \
            .split(", "):
        placed[table] = ("local", None, None)
    return placed


def dropped_and_added() -> tuple[set[str], set[str]]:
    sql = citus_sql()
    return (set(re.findall(r"ALTER TABLE \w+ DROP CONSTRAINT (\w+);", sql)),
            set(re.findall(r"ALTER TABLE \w+ ADD CONSTRAINT (\w+)", sql)))


def unique_keys(table: Table) -> list[set[str]]:
    keys = [{c.name for c in table.primary_key.columns}]
    keys += [{c.name for c in u.columns} for u in table.constraints
             if isinstance(u, UniqueConstraint)]
    keys += [{c.name for c in i.columns} for i in table.indexes if i.unique]
    return keys + [{c.name} for c in table.columns if c.unique]


def fk_name(fk: Any) -> str:
    """PostgreSQL's name for an unnamed foreign key (what `DROP CONSTRAINT` must use)."""
    columns = "_".join(e.parent.name for e in fk.elements)
    return fk.name or f"{fk.parent.name}_{columns}_fkey"


def test_every_table_is_placed_exactly_once_and_the_doc_lists_it():
    placed = placements()
    assert set(placed) == set(TABLES)
    listing = DOC.read_text().split("### The tables")[1].split("###")[0]
    assert all(f"`{name}`" in listing for name in TABLES)


@pytest.mark.parametrize("name", sorted(n for n, p in placements().items()
                                        if p[0] == "distributed"))
def test_a_distributed_table_has_its_column_in_every_unique_key(name):
    _, column, colocate = placements()[name]
    table = TABLES[name]
    assert column in table.c
    for key in unique_keys(table):
        assert column in key, f"{name}: Citus refuses a unique key {key} without {column}"
    if colocate not in (None, "none"):
        kind, other_column, _ = placements()[colocate]
        assert kind == "distributed"
        assert str(table.c[column].type) == str(TABLES[colocate].c[other_column].type)


def test_foreign_keys_fit_the_placements_and_order():
    placed = placements()
    order = [table for _, table, _, _ in CALL.findall(citus_sql())]
    dropped, added = dropped_and_added()
    assert added <= dropped
    for name, table in TABLES.items():
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            if fk_name(fk) in dropped and fk_name(fk) not in added:
                continue
            kind, column, _ = placed[name]
            target_kind, target_column, _ = placed[target]
            assert kind != "local", f"{name} -> {target}: drop it, Citus allows none"
            if fk_name(fk) not in dropped:  # kept through distribution: target placed first
                assert order.index(target) < order.index(name), f"{name} before {target}"
            if target_kind == "reference":
                continue
            assert kind == "distributed" and target_kind == "distributed", f"{name} -> {target}"
            pairs = {(e.parent.name, e.column.name) for e in fk.elements}
            assert (column, target_column) in pairs, f"{name} -> {target} off the columns"


def test_the_constraint_names_the_doc_drops_exist():
    dropped, _ = dropped_and_added()
    names = {fk_name(fk) for table in TABLES.values() for fk in table.foreign_key_constraints}
    assert dropped <= names
