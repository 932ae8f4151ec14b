"""PostgreSQL: all of a batch's aggregate upserts in one statement, one round trip.

Each table's rows travel as one array per column (`unnest`), so the statement text never
changes (prepared once) whatever the batch size; data-modifying CTEs chain the upserts.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

_UPSERT_ALL = text("""
WITH counts AS (
  INSERT INTO analytics_counts AS t
    (definition_key, version, hour, kind, state, target, event, count, total_us)
  SELECT * FROM unnest(CAST(:c0 AS varchar[]), CAST(:c1 AS integer[]),
    CAST(:c2 AS timestamp[]), CAST(:c3 AS varchar[]), CAST(:c4 AS varchar[]),
    CAST(:c5 AS varchar[]), CAST(:c6 AS varchar[]), CAST(:c7 AS bigint[]),
    CAST(:c8 AS bigint[]))
  ON CONFLICT (definition_key, version, hour, kind, state, target, event)
  DO UPDATE SET count = t.count + excluded.count, total_us = t.total_us + excluded.total_us
), histograms AS (
  INSERT INTO analytics_histograms AS t
    (definition_key, version, hour, kind, subject, bucket, count)
  SELECT * FROM unnest(CAST(:h0 AS varchar[]), CAST(:h1 AS integer[]),
    CAST(:h2 AS timestamp[]), CAST(:h3 AS varchar[]), CAST(:h4 AS varchar[]),
    CAST(:h5 AS integer[]), CAST(:h6 AS bigint[]))
  ON CONFLICT (definition_key, version, hour, kind, subject, bucket)
  DO UPDATE SET count = t.count + excluded.count
), daily AS (
  INSERT INTO analytics_histograms_daily AS t
    (definition_key, version, day, kind, subject, bucket, count)
  SELECT * FROM unnest(CAST(:d0 AS varchar[]), CAST(:d1 AS integer[]),
    CAST(:d2 AS timestamp[]), CAST(:d3 AS varchar[]), CAST(:d4 AS varchar[]),
    CAST(:d5 AS integer[]), CAST(:d6 AS bigint[]))
  ON CONFLICT (definition_key, version, day, kind, subject, bucket)
  DO UPDATE SET count = t.count + excluded.count
), variants AS (
  INSERT INTO analytics_variants (definition_key, version, hash, path)
  SELECT k, v, h, CAST(p AS json) FROM unnest(CAST(:v0 AS varchar[]),
    CAST(:v1 AS integer[]), CAST(:v2 AS varchar[]), CAST(:v3 AS text[])) AS x(k, v, h, p)
  ON CONFLICT DO NOTHING
)
INSERT INTO analytics_instances AS t
  (instance_id, definition_key, version, state, status, started_at, entered_at, path_hash, path,
   branches)
SELECT i, k, v, s, st, sa, ea, ph, CAST(p AS json), CAST(b AS json)
  FROM unnest(CAST(:i0 AS varchar[]),
  CAST(:i1 AS varchar[]), CAST(:i2 AS integer[]), CAST(:i3 AS varchar[]),
  CAST(:i4 AS varchar[]), CAST(:i5 AS timestamp[]), CAST(:i6 AS timestamp[]),
  CAST(:i7 AS varchar[]), CAST(:i8 AS text[]), CAST(:i9 AS text[]))
  AS x(i, k, v, s, st, sa, ea, ph, p, b)
ON CONFLICT (instance_id) DO UPDATE SET definition_key = excluded.definition_key,
  version = excluded.version, state = excluded.state, status = excluded.status,
  started_at = excluded.started_at, entered_at = excluded.entered_at,
  path_hash = excluded.path_hash, path = excluded.path, branches = excluded.branches
""")


def upsert_all(conn: Connection, counts: list[tuple[Any, ...]], histograms: list[tuple[Any, ...]],
               daily: list[tuple[Any, ...]], variants: list[tuple[Any, ...]],
               instances: list[tuple[Any, ...]]) -> None:
    """Rows as tuples in each table's column order (JSON columns last, as Python values;
    None stays SQL NULL)."""
    params: dict[str, Any] = {}
    for prefix, rows, width, json_columns in (
            ("c", counts, 9, 0), ("h", histograms, 7, 0), ("d", daily, 7, 0),
            ("v", variants, 4, 1), ("i", instances, 10, 2)):
        columns = [list(column) for column in zip(*rows, strict=True)] if rows else [
            [] for _ in range(width)]
        for n in range(width - json_columns, width):
            columns[n] = [None if value is None else json.dumps(value) for value in columns[n]]
        params.update({f"{prefix}{n}": column for n, column in enumerate(columns)})
    conn.execute(_UPSERT_ALL, params)
