"""Erasure end to end: generated landing data, a full build, `erase`, then a clean rebuild to compare with."""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analytics_pipeline.runner import Runner
from analytics_pipeline.lib.erasure import subject_hash
from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import built_once, lake_rows, lake_snapshot, materialize

START, END = date(2024, 3, 4), date(2024, 3, 5)
MARTS = ["video_daily", "course_daily", "creator_daily", "platform_daily", "qoe_daily", "rendition_daily",
         "video_heatmap_daily", "video_counters", "viewer_sessions", "viewer_progress", "viewer_progress_history",
         "video_counted_views", "viewer_first_views", "learner_course_progress", "learner_course_progress_history",
         "course_attendance_weekly", "course_cohorts"]


def landing_lines(root: Path):
    for f in sorted((root / "landing" / "events").glob("*/*")):
        data = f.read_bytes()
        yield f, (gzip.decompress(data) if f.name.endswith(".gz") else data).split(b"\n")


def is_persons(line: bytes, viewer: str) -> bool:
    """The rule erasure documents: a JSON object with this viewer_id, or an unparseable line quoting it."""
    try:
        obj = json.loads(line)
    except ValueError:
        return json.dumps(viewer).encode() in line
    return isinstance(obj, dict) and obj.get("viewer_id") == viewer


def busiest_viewer(root: Path) -> str:
    """A viewer with events on more than one arrival day (so late data and several days are involved)."""
    days: dict[str, set] = {}
    for f, lines in landing_lines(root):
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("viewer_id"), str):
                days.setdefault(obj["viewer_id"], set()).add(f.parent.name)
    counts = Counter({v: len(d) for v, d in days.items()})
    return counts.most_common(1)[0][0]


def id_anywhere(root: Path, warehouse: str, needle: str) -> list[str]:
    con = duckdb.connect()
    hits = []
    for f in sorted((root / "lake").glob("**/*.parquet")):
        if needle in repr(con.sql(f"SELECT * FROM read_parquet('{f}')").fetchall()):
            hits.append(str(f.relative_to(root)))
    for f, lines in landing_lines(root):
        if any(is_persons(line, needle) for line in lines):
            hits.append(str(f.relative_to(root)))
    wh = duckdb.connect(warehouse, read_only=True)
    for (view,) in wh.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall():
        if needle in repr(wh.sql(f'SELECT * FROM "{view}"').fetchall()):
            hits.append(f"warehouse:{view}")
    return hits


def _erase(base: Path):
    """(root erased, root clean, viewer, first erase summary, second erase summary, snapshot after
    the first erasure, settings)."""
    import os

    from analytics_pipeline.settings import load_settings

    env = {"ANALYTICS_DATA_ROOT": str(base / "a"), "DAGSTER_HOME": str(base / "home"), "ANALYTICS_IP_HASH_KEY": "k",
           "ANALYTICS_START_DATE": "2024-01-01", "HOME": os.environ.get("HOME", "/tmp")}
    (base / "home").mkdir()
    old = dict(os.environ)
    os.environ.update(env)
    try:
        settings = load_settings(env)
        generate(Storage(str(base / "a")), START, END, 400, seed=3, files_per_day=2)
        viewer = busiest_viewer(base / "a")
        # the clean root: the same landing without the person's lines
        shutil.copytree(base / "a" / "landing", base / "b" / "landing")
        for f, lines in landing_lines(base / "b"):
            data = b"\n".join(line for line in lines if not is_persons(line, viewer))
            f.write_bytes(gzip.compress(data, mtime=0) if f.name.endswith(".gz") else data)
        materialize(settings, START, END)
        first = Runner(settings).erase("viewer", viewer)
        after_first = lake_snapshot(base / "a")
        second = Runner(settings).erase("viewer", viewer)
        clean = replace(settings.with_root(str(base / "b")), warehouse_path=str(base / "b" / "warehouse" / "analytics.duckdb"))
        materialize(clean, START, END)
        return base / "a", base / "b", viewer, first, second, after_first, settings
    finally:
        os.environ.clear()
        os.environ.update(old)


@pytest.fixture(scope="module")
def erased(tmp_path_factory, worker_id):
    """The erasure's roots and figures (see `_erase`), built once per test run."""
    return built_once(tmp_path_factory, worker_id, "erasure", _erase)


def test_the_viewer_is_in_no_table_landing_file_or_warehouse_view(erased):
    root, _, viewer, first, *_ = erased
    assert first["staged_events"] > 0 and first["landing_files"] > 0
    assert id_anywhere(root, str(root / "warehouse" / "analytics.duckdb"), viewer) == []


def test_marts_equal_a_build_from_landing_without_the_viewer(erased):
    root, clean, *_ = erased
    ours, theirs = lake_snapshot(root), lake_snapshot(clean)
    for table in MARTS + ["events", "playback_sessions", "played_ranges", "events_quarantine"]:
        assert ours.get(table) == theirs.get(table), table


def test_a_second_erasure_changes_nothing_and_the_log_keeps_no_clear_id(erased):
    root, _, viewer, first, second, after_first, settings = erased
    assert second["staged_events"] == 0 and second["landing_files"] == 0 and second["logged"] is False
    assert lake_snapshot(root) == after_first
    log = lake_rows(root, "erasure_log")
    assert [r["subject_hash"] for r in log] == [subject_hash(settings.ip_hash_key, "viewer", viewer)]
    assert viewer not in repr(log)
    assert log[0]["staged_events"] == first["staged_events"]
