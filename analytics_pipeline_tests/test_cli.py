"""The console command: exit codes, one-line errors, query output and export."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from analytics_pipeline.cli import main
from analytics_pipeline_tests.scenarios.playback import SEEKS_AND_PAUSE
from analytics_pipeline_tests.support import write_catalog, write_events


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv, message", [
    (["materialize", "--start", "2026-13-01", "--end", "2026-06-10"], "not a date"),
    (["materialize", "--start", "2026-06-10", "--end", "2026-06-01"], "is before --start"),
    (["materialize", "--start", "2020-01-01", "--end", "2020-01-02"], "before the first partition"),
    (["materialize", "--start", "2026-06-10", "--end", (date.today() + timedelta(days=3)).isoformat()], "in the future"),
])
def test_bad_dates_exit_non_zero_with_one_line(settings, capsys, argv, message):
    with pytest.raises(SystemExit) if "not a date" in message else _nullcontext():
        code, _, err = _run(capsys, *argv)
        assert code == 2
        assert message in err and len(err.strip().splitlines()) == 1
    if "not a date" in message:
        assert message in capsys.readouterr().err


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_missing_landing_folder_is_a_clear_error(settings, capsys):
    code, _, err = _run(capsys, "materialize", "--start", "2026-06-10", "--end", "2026-06-10")
    assert code == 2
    assert "no landing folder" in err and len(err.strip().splitlines()) == 1


def test_failed_asset_exits_non_zero(settings, capsys):
    root = Path(settings.data_root)
    (root / "landing" / "catalog").mkdir(parents=True)
    (root / "landing" / "catalog" / "videos.csv").write_text("video_id,title\nv1,no duration column\n")
    code, _, err = _run(capsys, "materialize", "--start", "2026-06-10", "--end", "2026-06-10")
    assert code == 1
    [line] = [x for x in err.splitlines() if x.startswith("analytics-pipeline:")]
    assert "video_catalog" in line and "duration_s" in line


def test_materialize_then_query_in_every_format(settings, capsys, tmp_path):
    root = Path(settings.data_root)
    write_catalog(root, SEEKS_AND_PAUSE.catalog)
    write_events(root, SEEKS_AND_PAUSE.day, "batch.jsonl", SEEKS_AND_PAUSE.events)
    day = SEEKS_AND_PAUSE.day.isoformat()
    code, out, _ = _run(capsys, "materialize", "--start", day, "--end", day)
    assert code == 0 and "warehouse" in out

    sql = "SELECT view_id, watch_time_s FROM playback_sessions ORDER BY view_id"
    code, out, _ = _run(capsys, "query", sql)
    assert code == 0 and "view_id" in out and f"({len(SEEKS_AND_PAUSE.expected)} rows)" in out
    code, out, _ = _run(capsys, "query", sql, "--format", "csv")
    assert out.splitlines()[0] == "view_id,watch_time_s"
    code, out, _ = _run(capsys, "query", sql, "--format", "json")
    rows = json.loads(out)
    assert {r["view_id"] for r in rows} == set(SEEKS_AND_PAUSE.expected)
    target = tmp_path / "out.parquet"
    code, _, _ = _run(capsys, "query", sql, "--format", "parquet", "--output", str(target))
    assert pq.read_table(target).num_rows == len(SEEKS_AND_PAUSE.expected)

    code, _, err = _run(capsys, "query", "DELETE FROM ingest_audit")
    assert code != 0  # the warehouse is opened read-only
    code, _, err = _run(capsys, "query", "SELECT * FROM no_such_table")
    assert code == 2 and "no_such_table" in err


def test_console_script_is_installed_and_answers_help():
    exe = Path(sys.executable).with_name("analytics-pipeline")
    if not exe.exists():
        pytest.skip("package not pip-installed in this environment")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "materialize" in out.stdout
