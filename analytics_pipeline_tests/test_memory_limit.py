"""ANALYTICS_DUCKDB_MEMORY_LIMIT: parsed once, refused when it is not a size, and a small limit
changes where DuckDB keeps its work (memory or the spill folder), never the outputs."""

from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
import pytest

from analytics_pipeline.lib.catalog import load_catalog
from analytics_pipeline.lib.duck import part_of_memory_limit
from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.ingest.arrival import ingest_arrival
from analytics_pipeline.lib.ingest.events_day import build_events_day
from analytics_pipeline.lib.marts_day import build_marts_day, build_progress_day
from analytics_pipeline.lib.sessions_day import build_sessions_day
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import default_memory_limit, load_settings

D = date(2026, 6, 10)


def test_the_setting_is_a_size_and_defaults_to_the_machine():
    env = {"ANALYTICS_IP_HASH_KEY": "k"}
    assert load_settings({**env, "ANALYTICS_DUCKDB_MEMORY_LIMIT": "1500MiB"}).duckdb_memory_limit == "1500MiB"
    assert load_settings(env).duckdb_memory_limit == default_memory_limit()
    mib = int(default_memory_limit().removesuffix("MiB"))
    assert 1024 <= mib <= 2 * 1024
    with pytest.raises(ValueError, match="ANALYTICS_DUCKDB_MEMORY_LIMIT='a lot'"):
        load_settings({**env, "ANALYTICS_DUCKDB_MEMORY_LIMIT": "a lot"})


def test_a_share_of_the_limit_in_mib():
    # DuckDB's GB is 1000**3 bytes, its GiB 2**30
    assert part_of_memory_limit("2GB", 0.5) == "953MiB"
    assert part_of_memory_limit("1500MiB", 0.5) == "750MiB"
    assert part_of_memory_limit(" 1.5 gib ", 0.5) == "768MiB"


def _build(root, limit: str) -> dict:
    storage = Storage(str(root))
    generate(storage, D, D, 30_000, seed=5, gzip=True)
    catalog, _ = load_catalog(storage)
    storage.write_snapshot("video_catalog", catalog)
    ingest_arrival(storage, D, b"key", catalog, memory_limit=limit)
    build_events_day(storage, D)
    build_sessions_day(storage, D, memory_limit=limit)
    build_progress_day(storage, D, memory_limit=limit)
    build_marts_day(storage, D, memory_limit=limit)
    tables = {t: pq.read_table(root / "lake" / t / f"date={D}").sort_by([(c, "ascending") for c in keys])
              for t, keys in (("events", ["event_id"]), ("playback_sessions", ["view_id"]),
                              ("played_ranges", ["view_id", "range_start_s"]),
                              ("video_heatmap_daily", ["video_id", "segment_index"]),
                              ("viewer_sessions", ["viewer_id"]), ("viewer_progress_history", ["learner_id", "video_id"]))}
    # each step's spill folder is gone with it
    work = root / ".staging" / "work"
    assert not work.exists() or list(work.iterdir()) == []
    return tables


def test_a_small_limit_gives_the_same_lake(tmp_path):
    roomy, tight = _build(tmp_path / "roomy", "3GB"), _build(tmp_path / "tight", "200MB")
    for table in roomy:
        assert roomy[table].num_rows > 0
        assert roomy[table].equals(tight[table]), table
