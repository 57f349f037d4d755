"""The platform's catalog (`landing/catalog/*.csv`) as one table of videos."""

from __future__ import annotations

import io

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.storage import Storage

CATALOG_DIR = "landing/catalog"
REQUIRED = ("video_id", "title", "duration_s", "creator_id")


class CatalogError(ValueError):
    pass


def _read_csv(storage: Storage, name: str) -> pa.Table | None:
    rel = f"{CATALOG_DIR}/{name}"
    if not storage.exists(rel):
        return None
    opts = pacsv.ConvertOptions(strings_can_be_null=True, column_types={})
    table = pacsv.read_csv(io.BytesIO(storage.read_bytes(rel)), convert_options=opts)
    return table.cast(pa.schema([pa.field(n, pa.string()) for n in table.column_names]))


def load_catalog(storage: Storage) -> tuple[pa.Table, list[str]]:
    """The merged catalog and a list of problems (rows dropped and why)."""
    videos = _read_csv(storage, "videos.csv")
    if videos is None:
        return schemas.VIDEO_CATALOG.empty_table(), ["no landing/catalog/videos.csv: every video is unknown"]
    missing = [c for c in REQUIRED if c not in videos.column_names]
    if missing:
        raise CatalogError(f"landing/catalog/videos.csv lacks required columns: {', '.join(missing)}")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("videos_raw", videos)
    for name, cols in (("courses", ("course_id", "title", "creator_id")), ("creators", ("creator_id", "name"))):
        t = _read_csv(storage, f"{name}.csv")
        if t is None or any(c not in t.column_names for c in cols):
            t = pa.table({c: pa.array([], pa.string()) for c in cols})
        con.register(f"{name}_raw", t)
    optional = {c: (f"v.{c}" if c in videos.column_names else "NULL") for c in
                ("course_id", "is_preview", "provider", "provider_video_id", "published_at", "position")}
    problems = [
        f"videos.csv row for {r[0]!r} dropped: {r[1]}"
        for r in con.sql(f"""
            SELECT video_id, CASE WHEN video_id IS NULL OR trim(video_id) = '' THEN 'no video_id'
                                  WHEN try_cast(duration_s AS DOUBLE) IS NULL OR try_cast(duration_s AS DOUBLE) <= 0
                                       THEN 'duration_s is not a positive number'
                                  ELSE 'duplicate video_id' END
            FROM (SELECT *, row_number() OVER (PARTITION BY video_id) AS n FROM videos_raw)
            WHERE video_id IS NULL OR trim(video_id) = '' OR try_cast(duration_s AS DOUBLE) IS NULL
               OR try_cast(duration_s AS DOUBLE) <= 0 OR n > 1
        """).fetchall()
    ]
    table = con.sql(f"""
        SELECT v.video_id, v.title, try_cast(v.duration_s AS DOUBLE) AS duration_s,
               nullif(trim({optional['course_id']}), '') AS course_id, v.creator_id,
               coalesce(lower(trim({optional['is_preview']})) IN ('true', '1', 'yes', 't'), false) AS is_preview,
               nullif(lower(trim({optional['provider']})), '') AS provider,
               nullif(trim({optional['provider_video_id']}), '') AS provider_video_id,
               try_cast({optional['published_at']} AS TIMESTAMPTZ) AS published_at,
               c.title AS course_title, cr.name AS creator_name, 'catalog' AS source,
               try_cast(trim({optional['position']}) AS BIGINT) AS position
        FROM (SELECT * FROM videos_raw QUALIFY row_number() OVER (PARTITION BY video_id) = 1) v
        LEFT JOIN (SELECT * FROM courses_raw QUALIFY row_number() OVER (PARTITION BY course_id) = 1) c
               ON c.course_id = nullif(trim({optional['course_id']}), '')
        LEFT JOIN (SELECT * FROM creators_raw QUALIFY row_number() OVER (PARTITION BY creator_id) = 1) cr
               ON cr.creator_id = v.creator_id
        WHERE v.video_id IS NOT NULL AND trim(v.video_id) <> ''
          AND try_cast(v.duration_s AS DOUBLE) > 0
        ORDER BY v.video_id
    """).to_arrow_table()
    return table.cast(schemas.VIDEO_CATALOG), problems


def read_catalog(storage: Storage, columns: list[str] | None = None) -> pa.Table:
    """The `video_catalog` snapshot (or an empty one before it is first built)."""
    rel = storage.snapshot_path("video_catalog")
    table = storage.read_parquet(rel) if storage.exists(rel) else schemas.VIDEO_CATALOG.empty_table()
    return table.select(columns) if columns else table
