"""Test helpers: write landing files, run the real pipeline, read lake tables back."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import duckdb

from analytics_pipeline.settings import Settings

VIDEO_COLUMNS = ["video_id", "title", "duration_s", "course_id", "creator_id", "is_preview", "provider",
                 "provider_video_id", "published_at", "position"]


def write_events(root: Path | str, arrival: date | str, name: str, events: Iterable[dict | str], gz: bool = False) -> Path:
    """A landing file: dicts become JSON lines, strings are written as they are."""
    folder = Path(root) / "landing" / "events" / str(arrival)
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join((e if isinstance(e, str) else json.dumps(e)) + "\n" for e in events)
    path = folder / name
    path.write_bytes(gzip.compress(text.encode(), mtime=0) if gz else text.encode())
    return path


def write_catalog(root: Path | str, videos: list[dict[str, Any]]) -> None:
    folder = Path(root) / "landing" / "catalog"
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=VIDEO_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for v in videos:
        writer.writerow({k: ("" if v.get(k) is None else v.get(k)) for k in VIDEO_COLUMNS})
    (folder / "videos.csv").write_text(buf.getvalue())


def materialize(settings: Settings, start: date, end: date):
    """The CLI's build of [start, end], through the runner; returns its BuildReport."""
    from analytics_pipeline.runner import Runner

    return Runner(settings).materialize(start, end)


def lake_at(root):
    """The lake resource of a data root, with the rest of the settings from the environment."""
    from analytics_pipeline.defs.resources import Lake
    from analytics_pipeline.settings import load_settings

    return Lake(load_settings(data_root=str(root)))


def lake_rows(root: Path | str, table: str, where: str = "true", order: str = "1") -> list[dict]:
    base = Path(root) / "lake" / table
    if (base / "data.parquet").exists():
        source = f"read_parquet('{base}/data.parquet')"
    else:
        if not any(base.glob("*/*.parquet")):
            return []
        source = f"read_parquet('{base}/*/*.parquet', hive_partitioning = true)"
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rel = con.sql(f"SELECT * FROM {source} WHERE {where} ORDER BY {order}")
    cols = rel.columns
    return [dict(zip(cols, r)) for r in rel.fetchall()]


def lake_snapshot(root: Path | str) -> dict[str, list[tuple]]:
    """Every lake table's rows, sorted, for comparing two runs value for value."""
    out = {}
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for table_dir in sorted((Path(root) / "lake").iterdir()):
        files = sorted(table_dir.glob("**/*.parquet"))
        rows = []
        for f in files:
            rows += [(str(f.relative_to(table_dir)),) + r for r in con.sql(f"SELECT * FROM read_parquet('{f}')").fetchall()]
        out[table_dir.name] = sorted(rows, key=repr)
    return out


def all_stored_text(root: Path | str) -> str:
    """The text of every lake row and warehouse query result, to scan for personal data."""
    con = duckdb.connect()
    parts = []
    for f in sorted((Path(root) / "lake").glob("**/*.parquet")):
        for row in con.sql(f"SELECT * FROM read_parquet('{f}')").fetchall():
            parts.append(repr(row))
    return "\n".join(parts)


def built_once(tmp_path_factory, worker_id: str, name: str, build):
    """`build(folder)`'s result, built once per test run however many xdist workers ask for it.

    The first worker to ask builds into a folder of the run's temporary root, under a lock, and
    pickles the result; the others wait for it and unpickle. Without xdist it is built in place.
    Only for what the tests read and never change: every worker's tests share the folder.
    """
    import pickle

    from filelock import FileLock

    if worker_id == "master":
        return build(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # this run's root, above every worker's own
    folder, result = shared / name, shared / f"{name}.pickle"
    with FileLock(str(shared / f"{name}.lock")):
        if not result.is_file():
            folder.mkdir()
            result.write_bytes(pickle.dumps(build(folder)))
    return pickle.loads(result.read_bytes())
