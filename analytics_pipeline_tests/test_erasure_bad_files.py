"""Erasure with landing files ingestion could not read (wholly or past a fault): named, never a crash."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

from analytics_pipeline.lib.erasure import find_footprint, read_landing, rewrite_landing
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import lake_rows, materialize, write_catalog, write_events

DAY = date(2026, 6, 10)
FOLDER = f"landing/events/{DAY}"
PERSON, OTHER = "viewer-erased", "viewer-kept"


def ev(n: int, viewer: str, event_type: str = "heartbeat") -> dict:
    return {
        "event_id": f"e-{n}", "event_type": event_type, "occurred_at": f"2026-06-10T12:00:{n:02d}.000Z",
        "received_at": f"2026-06-10T12:00:{n:02d}.500Z", "session_id": f"s-{viewer}", "viewer_id": viewer,
        "video_id": "vid-1", "position_s": float(n), "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    }


def lines_of(events) -> bytes:
    return "".join(json.dumps(e) + "\n" for e in events).encode()


def bad_landing(root: Path) -> None:
    """A fine file, a `.gz` that is plain text (naming the person), a truncated `.gz` with both viewers."""
    write_events(root, DAY, "good.jsonl", [ev(1, PERSON, "view_start"), ev(2, OTHER, "view_start")])
    (root / FOLDER / "fake.jsonl.gz").write_bytes(lines_of([ev(3, PERSON)]))
    truncated = lines_of([ev(10 + i, PERSON if i % 2 else OTHER) for i in range(6)])
    (root / FOLDER / "truncated.jsonl.gz").write_bytes(gzip.compress(truncated, mtime=0)[:-6])


def test_footprint_and_rewrite_name_unreadable_files_and_clean_the_readable_part(tmp_path):
    bad_landing(tmp_path)
    storage = Storage(str(tmp_path))
    before, fault = read_landing(storage, f"{FOLDER}/truncated.jsonl.gz")
    assert fault.startswith("truncated_gzip") and before.count(PERSON.encode()) >= 2

    fp = find_footprint(storage, "viewer", PERSON)

    assert list(fp.unreadable_files) == [f"{FOLDER}/fake.jsonl.gz"]
    assert fp.unreadable_files[f"{FOLDER}/fake.jsonl.gz"].startswith("not_gzip")
    assert list(fp.partly_read_files) == [f"{FOLDER}/truncated.jsonl.gz"]
    assert sorted(fp.landing_files) == [f"{FOLDER}/good.jsonl", f"{FOLDER}/truncated.jsonl.gz"]
    fake_bytes = (tmp_path / FOLDER / "fake.jsonl.gz").read_bytes()

    removed = rewrite_landing(storage, fp, "viewer", PERSON)

    assert removed == 1 + fp.landing_files[f"{FOLDER}/truncated.jsonl.gz"]
    after, fault_after = read_landing(storage, f"{FOLDER}/truncated.jsonl.gz")
    assert fault_after.startswith("truncated_gzip")  # still reported as truncated by ingestion's reader
    assert PERSON.encode() not in after
    assert after == b"\n".join(l for l in before.split(b"\n") if PERSON.encode() not in l)
    assert (tmp_path / FOLDER / "fake.jsonl.gz").read_bytes() == fake_bytes  # skipped, untouched
    again = find_footprint(storage, "viewer", PERSON)
    assert again.landing_files == {} and list(again.unreadable_files) == [f"{FOLDER}/fake.jsonl.gz"]


def test_erase_command_succeeds_with_unreadable_files_and_reingests_the_rest(settings, capsys):
    from analytics_pipeline.cli import main

    root = Path(settings.data_root)
    write_catalog(root, [{"video_id": "vid-1", "title": "One", "duration_s": 600, "creator_id": "c1"}])
    bad_landing(root)
    materialize(settings, DAY, DAY)
    assert any(r["viewer_id"] == PERSON for r in lake_rows(root, "events"))

    assert main(["erase", "--viewer-id", PERSON]) == 0
    out = capsys.readouterr().out

    assert "fake.jsonl.gz" in out and "unreadable" in out  # named, and said why it was skipped
    assert "truncated.jsonl.gz" in out  # its readable part was cleaned
    assert "from 2 files" in out
    assert not [r for r in lake_rows(root, "events") if r["viewer_id"] == PERSON]
    kept = [r for r in lake_rows(root, "events") if r["viewer_id"] == OTHER]
    assert len(kept) >= 2  # the other viewer's lines, the truncated file's included, were re-ingested
    audit = {Path(r["source_file"]).name: r for r in lake_rows(root, "ingest_audit")}
    assert audit["fake.jsonl.gz"]["file_error"].startswith("not_gzip")
    assert audit["truncated.jsonl.gz"]["file_error"].startswith("truncated_gzip")
