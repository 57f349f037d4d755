"""The `events` partition of a day in its three shapes: one arrival of that day only, one arrival
with other days too, several arrivals (with a retry across them)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.ingest.arrival import ingest_arrival
from analytics_pipeline.lib.ingest.events_day import build_events_day
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import lake_rows, write_events

D = date(2026, 6, 10)


def ev(event_id: str, at: str) -> dict:
    return {"event_id": event_id, "event_type": "heartbeat", "occurred_at": at, "session_id": "s",
            "viewer_id": "v", "video_id": "vid", "position_s": 1.0}


def _ids(root: Path, day: date) -> list[str]:
    return [r["event_id"] for r in lake_rows(root, "events", where=f"date = DATE '{day}'", order="event_id")]


def test_the_three_shapes_of_an_event_day(tmp_path):
    root = tmp_path / "data"
    storage = Storage(str(root))
    catalog = schemas.VIDEO_CATALOG.empty_table()

    # 1. one arrival, only its own day: the staged file is copied as it is
    write_events(root, D, "a.jsonl", [ev("a1", "2026-06-10T10:00:00.000Z"), ev("a2", "2026-06-10T11:00:00.000Z")])
    ingest_arrival(storage, D, b"k", catalog)
    assert build_events_day(storage, D)["rows"] == 2
    assert _ids(root, D) == ["a1", "a2"]

    # 2. the next arrival brings its own day and a late event of D plus a retry of a1
    d1 = D + timedelta(days=1)
    write_events(root, d1, "b.jsonl", [ev("b1", "2026-06-11T09:00:00.000Z"), ev("late", "2026-06-10T23:00:00.000Z"),
                                       ev("a1", "2026-06-10T10:00:00.000Z")])
    result = ingest_arrival(storage, d1, b"k", catalog)
    assert (result.accepted, result.duplicates) == (2, 1)
    assert build_events_day(storage, d1)["rows"] == 1  # one arrival, other days filtered out
    assert _ids(root, d1) == ["b1"]

    # 3. D now has two arrivals: the union, each event once
    figures = build_events_day(storage, D)
    assert figures["arrivals"] == [D.isoformat(), d1.isoformat()]
    assert _ids(root, D) == ["a1", "a2", "late"]


def test_an_id_two_arrivals_hold_is_kept_once_from_the_earliest(tmp_path):
    root = tmp_path / "data"
    storage = Storage(str(root))
    catalog = schemas.VIDEO_CATALOG.empty_table()
    d1 = D + timedelta(days=1)
    # the later arrival ingested first: nothing earlier to drop `x` against; then D, which
    # drops only ids of arrivals before it, so both hold `x` (different positions tell them apart)
    late = ev("x", "2026-06-10T23:00:00.000Z") | {"position_s": 9.0}
    write_events(root, d1, "b.jsonl", [ev("b1", "2026-06-11T09:00:00.000Z"), late])
    ingest_arrival(storage, d1, b"k", catalog)
    write_events(root, D, "a.jsonl", [ev("a1", "2026-06-10T10:00:00.000Z"), ev("x", "2026-06-10T23:00:00.000Z")])
    ingest_arrival(storage, D, b"k", catalog)
    assert build_events_day(storage, D)["rows"] == 2
    rows = lake_rows(root, "events", where=f"date = DATE '{D}'", order="event_id")
    assert [(r["event_id"], r["position_s"]) for r in rows] == [("a1", 1.0), ("x", 1.0)]


def test_the_events_checks_count_repeated_ids_and_clear_addresses(tmp_path):
    import pyarrow as pa

    from analytics_pipeline.lib.quality import clear_ips_in_events, duplicate_event_ids

    root = tmp_path / "data"
    storage = Storage(str(root))
    write_events(root, D, "a.jsonl", [ev(f"e{i}", f"2026-06-10T10:00:0{i}.000Z") for i in range(4)])
    ingest_arrival(storage, D, b"k", schemas.VIDEO_CATALOG.empty_table())
    build_events_day(storage, D)
    assert duplicate_event_ids(storage, [D]) == 0 and clear_ips_in_events(storage, [D]) == 0

    table = storage.read_parquet(storage.partition_file("events", D))
    # e0 twice more, e1 once more; one clear address on three rows, one hash in capitals
    tampered = pa.concat_tables([table, table.slice(0, 1), table.slice(0, 2)])
    hashes = ["203.0.113.9", "203.0.113.9", "A" * 32, None, "203.0.113.9", "0" * 32, "f" * 32]
    tampered = tampered.set_column(tampered.schema.get_field_index("ip_hash"), "ip_hash", pa.array(hashes, pa.string()))
    storage.write_partition("events", D, tampered)
    assert duplicate_event_ids(storage, [D]) == 3
    assert clear_ips_in_events(storage, [D]) == 4


def test_a_run_keeps_the_arrivals_of_each_event_day_as_a_fresh_read_would(tmp_path):
    from analytics_pipeline.lib.ingest.staged import arrivals_by_event_day

    root = tmp_path / "data"
    storage = Storage(str(root))
    catalog = schemas.VIDEO_CATALOG.empty_table()
    d1, d2 = D + timedelta(days=1), D + timedelta(days=2)
    write_events(root, D, "a.jsonl", [ev("a1", "2026-06-10T10:00:00.000Z")])
    write_events(root, d1, "b.jsonl", [ev("b1", "2026-06-11T09:00:00.000Z"), ev("late", "2026-06-10T23:00:00.000Z")])
    write_events(root, d2, "c.jsonl", [ev("c1", "2026-06-12T09:00:00.000Z"), ev("late", "2026-06-10T23:00:00.000Z")])
    kept: dict = {}
    for arrival in (D, d1, d2):
        ingest_arrival(storage, arrival, b"k", catalog, arrivals=kept)
    assert kept == arrivals_by_event_day(storage) == {D: [D, d1], d1: [d1], d2: [d2]}
    # d2's retry of `late`: a duplicate of d1's, found through the kept mapping, so d2 stages none of D
    assert lake_rows(root, "ingest_audit", where=f"date = DATE '{d2}'")[0]["duplicates"] == 1

    # d1 redelivered without its late event: a rerun of d1 and d2 in one run drops d1 from day D
    write_events(root, d1, "b.jsonl", [ev("b1", "2026-06-11T09:00:00.000Z")])
    for arrival in (d1, d2):
        ingest_arrival(storage, arrival, b"k", catalog, arrivals=kept)
    assert kept == arrivals_by_event_day(storage) == {D: [D, d2], d1: [d1], d2: [d2]}
    assert lake_rows(root, "ingest_audit", where=f"date = DATE '{d2}'")[0]["duplicates"] == 0
