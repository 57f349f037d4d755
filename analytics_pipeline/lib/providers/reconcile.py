"""Ours against theirs, per provider, video and day (the SQL is sql/marts/provider_reconciliation_daily.sql)."""

from __future__ import annotations

import pyarrow as pa

from analytics_pipeline.lib import duck
from analytics_pipeline.lib.providers.parse import PROVIDER_VIDEO_DAILY
from analytics_pipeline.lib.schemas import VIDEO_CATALOG

# The columns of playback_sessions the comparison reads.
SESSIONS_COLUMNS = pa.schema([
    ("video_id", pa.string()),
    ("counts_as_view", pa.bool_()),
    ("is_bot", pa.bool_()),
    ("watch_time_s", pa.float64()),
])

RECONCILIATION = pa.schema([
    ("provider", pa.string()),
    ("video_id", pa.string()),
    ("provider_video_id", pa.string()),
    ("views_ours", pa.int64()),
    ("views_theirs", pa.int64()),
    ("views_diff", pa.int64()),
    ("views_rel_diff", pa.float64()),
    ("watch_time_s_ours", pa.float64()),
    ("watch_time_s_theirs", pa.float64()),
    ("watch_time_s_diff", pa.float64()),
    ("watch_time_rel_diff", pa.float64()),
    ("provider_missing", pa.bool_()),  # our video-day, which the provider's answers of the day lack
    ("flagged", pa.bool_()),
    ("threshold", pa.float64()),
])


def _conform(table: pa.Table | None, schema: pa.Schema) -> pa.Table:
    """`table` reduced (or padded with nulls) to exactly the columns of `schema`."""
    if table is None:
        return schema.empty_table()
    columns = []
    for f in schema:
        if f.name in table.column_names:
            columns.append(table.column(f.name).cast(f.type))
        else:
            columns.append(pa.nulls(table.num_rows, f.type))
    return pa.Table.from_arrays(columns, schema=schema)


def reconcile_day(
    provider_video_daily: pa.Table | None,
    playback_sessions: pa.Table | None,
    catalog: pa.Table | None,
    threshold: float,
) -> pa.Table:
    """One day's reconciliation rows (columns of RECONCILIATION) from the day's tables and the catalog."""
    con = duck.connect()
    try:
        con.register("provider_video_daily", _conform(provider_video_daily, PROVIDER_VIDEO_DAILY))
        con.register("playback_sessions", _conform(playback_sessions, SESSIONS_COLUMNS))
        con.register("video_catalog", _conform(catalog, VIDEO_CATALOG))
        sql = duck.load_sql("marts/provider_reconciliation_daily")
        result = con.sql(sql, params={"threshold": float(threshold)}).to_arrow_table()
    finally:
        con.close()
    return result.cast(RECONCILIATION)


def flagged_rows(reconciliation: pa.Table) -> list[dict]:
    """The flagged rows, as plain dicts (for checks and reports)."""
    return [r for r in reconciliation.to_pylist() if r["flagged"]]
