"""The same sessions give bit-identical marts, however DuckDB's threads split the sums."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from analytics_pipeline.lib.marts_day import build_marts_day
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS
from analytics_pipeline.lib.storage import Storage

DAY = date(2026, 6, 10)
VIEWS = 400_000
ROW_GROUP = 20_000  # 20 row groups: DuckDB scans and sums them on several threads


def _sessions(n: int) -> pa.Table:
    rng = np.random.default_rng(16)
    start = datetime(2026, 6, 10, 8, tzinfo=timezone.utc)
    watch = rng.random(n) * 900  # seconds with all their digits, as real ranges give
    columns = {
        "view_id": pa.array([f"v{i}" for i in range(n)]),
        "viewer_id": pa.array([f"viewer{i % 5000}" for i in range(n)]),
        "video_id": pa.array([f"vid{i % 3}" for i in range(n)]),
        "started_at": pa.array([start + timedelta(seconds=int(i % 30000)) for i in range(n)], pa.timestamp("ms", "UTC")),
        "counts_as_view": pa.array(np.ones(n, dtype=bool)),
        "is_bot": pa.array(np.zeros(n, dtype=bool)),
        "watch_time_s": pa.array(watch),
        "content_watched_s": pa.array(watch * rng.random(n)),
        "completion_ratio": pa.array(rng.random(n)),
        "rebuffer_s": pa.array(rng.random(n) * 3),
        "duration_s": pa.array(np.full(n, 900.0)),
    }
    columns["ended_at"] = pa.array([t + timedelta(seconds=w) for t, w in zip(columns["started_at"].to_pylist(), watch)],
                                   pa.timestamp("ms", "UTC"))
    return pa.table({f.name: columns.get(f.name, pa.nulls(n, f.type)) for f in PLAYBACK_SESSIONS}, PLAYBACK_SESSIONS)


def test_the_same_sessions_build_bit_identical_marts(tmp_path):
    storage = Storage(str(tmp_path / "data"))
    path = tmp_path / "data" / storage.partition_file("playback_sessions", DAY)
    path.parent.mkdir(parents=True)
    pq.write_table(_sessions(VIEWS), path, row_group_size=ROW_GROUP)

    builds = [build_marts_day(storage, DAY) for _ in range(3)]

    platform = builds[0]["platform_daily"].to_pylist()[0]
    assert platform["views"] == VIEWS and platform["watch_time_s"] > 0
    for other in builds[1:]:
        for name, table in builds[0].items():
            assert other[name].equals(table), name  # every double bit for bit, every run
