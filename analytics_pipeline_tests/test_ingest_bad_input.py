"""Every kind of bad input of player-events.md, through real Dagster materialisations."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from analytics_pipeline_tests.support import all_stored_text, lake_rows, materialize, write_catalog, write_events

DAY = date(2026, 6, 10)
CLEAR_IPS = ["203.0.113.7", "198.51.100.23", "2001:db8::7", "192.0.2.55"]


def ev(n: int, event_type: str = "heartbeat", **fields) -> dict:
    base = {
        "event_id": f"bad-{n}", "event_type": event_type, "occurred_at": f"2026-06-10T12:00:{n:02d}.000Z",
        "received_at": f"2026-06-10T12:00:{n:02d}.500Z", "session_id": "s-bad", "viewer_id": "viewer-1",
        "video_id": "vid-1", "position_s": float(n), "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def test_every_kind_of_bad_line_is_quarantined_with_its_reason(settings):
    root = Path(settings.data_root)
    write_catalog(root, [{"video_id": "vid-1", "title": "One", "duration_s": 600, "creator_id": "c1"}])
    oversized = ev(15, properties={"pad": "x" * 70_000})
    lines = [
        ev(1, "view_start"),                                          # 1 accepted
        "",                                                           # 2 blank: not counted
        '{"event_id": "broken", "ip": "198.51.100.23"',               # 3 not JSON (and an IP to mask)
        "[1, 2, 3]",                                                  # 4 JSON but not an object
        ev(5, session_id=None),                                       # 5 missing required field
        ev(6, position_s="12"),                                       # 6 wrong type
        ev(7, "teleport"),                                            # 7 unknown event type
        ev(8, occurred_at="10/06/2026 12:00"),                        # 8 timestamp that does not parse
        ev(9, occurred_at="2026-06-10T12:30:00.000Z", received_at="2026-06-10T12:10:00.000Z"),  # 9 20 min after receipt
        ev(10, occurred_at="2026-06-11T00:30:00.000Z", received_at=None),  # 10 after the arrival day's end + 10 min
        ev(11, position_s=-3.0),                                      # 11 negative playhead
        json.dumps(ev(12)).replace('"position_s": 12.0', '"position_s": NaN'),  # 12 NaN playhead
        ev(13, position_s=90_000.0),                                  # 13 absurd playhead (> 24 h)
        ev(14, "seek"),                                               # 14 seek without from_position_s
        oversized,                                                    # 15 line over 64 KiB
        ev(1, "view_start"),                                          # 16 duplicate delivery of line 1
        ev(17, ip="2001:db8::7"),                                     # 17 accepted, IPv6
        # 18-20 bitrates that are no integer a table can hold (they once failed the whole arrival)
        json.dumps(ev(18, "quality_change", rendition="720p", bitrate_kbps=1)).replace('"bitrate_kbps": 1', '"bitrate_kbps": NaN'),
        json.dumps(ev(19, "quality_change", rendition="720p", bitrate_kbps=1)).replace('"bitrate_kbps": 1', '"bitrate_kbps": 1e400'),
        ev(20, "heartbeat", bitrate_kbps=1e20),
        ev(21, occurred_at="2026-06-10T24:00:00.000Z"),                # 21 not RFC 3339: hour 24
        ev(22, received_at="2026-06-10T12:00:22.000+99:99"),           # 22 not RFC 3339: offset
    ]
    write_events(root, DAY, "batch.jsonl", lines)
    # a file named .gz that is not gzip, and a truncated gzip whose complete lines are kept
    (root / "landing/events/2026-06-10/not-gzip.jsonl.gz").write_text(json.dumps(ev(30)) + "\n")
    good = "".join(json.dumps(ev(40 + i, ip="192.0.2.55")) + "\n" for i in range(3)).encode()
    (root / "landing/events/2026-06-10/truncated.jsonl.gz").write_bytes(gzip.compress(good, mtime=0)[:-4])

    materialize(settings, DAY, DAY)

    audit = {Path(r["source_file"]).name: r for r in lake_rows(root, "ingest_audit")}
    batch = audit["batch.jsonl"]
    assert (batch["lines_read"], batch["blank_lines"]) == (21, 1)
    assert (batch["accepted"], batch["duplicates"], batch["quarantined"]) == (2, 1, 18)
    assert audit["not-gzip.jsonl.gz"]["lines_read"] == 0
    assert audit["not-gzip.jsonl.gz"]["file_error"].startswith("not_gzip")
    assert audit["truncated.jsonl.gz"]["accepted"] == 3
    assert audit["truncated.jsonl.gz"]["file_error"].startswith("truncated_gzip")
    for row in audit.values():
        assert row["lines_read"] == row["accepted"] + row["duplicates"] + row["quarantined"]

    quarantine = lake_rows(root, "events_quarantine", order="source_file, line_number")
    reasons = {r["line_number"]: r["reason"] for r in quarantine if r["source_file"].endswith("batch.jsonl")}
    expected = {
        3: "invalid_json", 4: "not_an_object", 5: "missing_field: session_id", 6: "wrong_type: position_s",
        7: "unknown_event_type", 8: "bad_timestamp: occurred_at", 9: "future_event", 10: "future_event",
        11: "invalid_position", 12: "invalid_position", 13: "invalid_position", 14: "missing_field: from_position_s",
        15: "oversized_line", 18: "wrong_type: bitrate_kbps", 19: "wrong_type: bitrate_kbps",
        20: "wrong_type: bitrate_kbps", 21: "bad_timestamp: occurred_at", 22: "bad_timestamp: received_at",
    }
    assert set(reasons) == set(expected)
    for line, prefix in expected.items():
        assert reasons[line].startswith(prefix), (line, reasons[line])
    files = {r["source_file"].rsplit("/", 1)[-1]: r["reason"] for r in quarantine if r["line_number"] is None}
    assert files["not-gzip.jsonl.gz"].startswith("bad_file: not_gzip")
    assert files["truncated.jsonl.gz"].startswith("bad_file: truncated_gzip")
    big = next(r for r in quarantine if r["line_number"] == 15)
    assert len(big["raw"].encode()) == 64 * 1024

    events = lake_rows(root, "events", order="event_id")
    assert [e["event_id"] for e in events] == ["bad-1", "bad-17", "bad-40", "bad-41", "bad-42"]
    assert all(len(e["ip_hash"]) == 32 for e in events)
    assert events[0]["device_type"] == "desktop" and events[0]["browser"] == "Chrome"

    stored = all_stored_text(root)
    for ip in CLEAR_IPS:
        assert ip not in stored
    assert "[ip-masked]" in next(r["raw"] for r in quarantine if r["line_number"] == 3)


def test_mid_stream_truncation_keeps_lines_before_the_fault(settings):
    root = Path(settings.data_root)
    write_catalog(root, [{"video_id": "vid-1", "title": "One", "duration_s": 600, "creator_id": "c1"}])
    text = "".join(json.dumps(ev(i % 60, event_id=f"t-{i}")) + "\n" for i in range(5000)).encode()
    blob = gzip.compress(text, mtime=0)
    (root / "landing/events/2026-06-10").mkdir(parents=True)
    (root / "landing/events/2026-06-10/cut.jsonl.gz").write_bytes(blob[: len(blob) // 2])

    materialize(settings, DAY, DAY)

    (row,) = lake_rows(root, "ingest_audit")
    assert row["file_error"].startswith("truncated_gzip")
    assert 0 < row["accepted"] < 5000
    assert row["lines_read"] == row["accepted"] + row["duplicates"] + row["quarantined"]
    assert row["quarantined"] <= 1  # at most the partial last line


def test_the_pandera_contract_catches_what_the_line_checks_would_let_through(tmp_path):
    """The contract is a second, independent look: break an accepted frame and it must say so."""
    import polars as pl
    import pandera.errors

    from analytics_pipeline.lib.contracts import validate_events

    good = pl.DataFrame({
        "event_id": ["e1"], "event_type": ["seek"], "occurred_at": [datetime(2026, 6, 10, 12, tzinfo=timezone.utc)],
        "received_at": [None], "session_id": ["s"], "viewer_id": ["v"], "user_id": [None], "video_id": ["vid"],
        "position_s": [10.0], "from_position_s": [5.0], "duration_s": [None], "playback_rate": [None],
        "bitrate_kbps": [None], "error_fatal": [None], "ip_hash": ["0" * 32], "device_type": ["desktop"],
        "is_bot": [False], "event_date": [date(2026, 6, 10)], "arrival_date": [date(2026, 6, 10)], "line_number": [1],
    }, schema_overrides={"occurred_at": pl.Datetime("us", "UTC"), "received_at": pl.Datetime("us", "UTC"),
                         "user_id": pl.String, "duration_s": pl.Float64, "playback_rate": pl.Float64,
                         "bitrate_kbps": pl.Int64, "error_fatal": pl.Boolean})
    validate_events(good)
    for broken in (
        good.with_columns(pl.lit(None, pl.Float64).alias("from_position_s")),  # a seek without its start
        good.with_columns(pl.lit(-1.0).alias("position_s")),
        good.with_columns(pl.lit("teleport").alias("event_type")),
        good.with_columns(pl.lit(date(2026, 6, 11)).alias("event_date")),  # not the UTC day of occurred_at
        good.with_columns(pl.lit("203.0.113.7").alias("ip_hash")),
    ):
        with pytest.raises(pandera.errors.SchemaErrors):
            validate_events(broken)
