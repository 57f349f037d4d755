"""The audit's `redelivery` note: a file name an earlier arrival had (identical or not), a file
whose content changed since its arrival was last ingested, and nothing for a new name."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.ingest.arrival import ingest_arrival as ingest
from analytics_pipeline.lib.ingest.audit import audited_deliveries
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import lake_rows, write_events

D1 = date(2026, 6, 10)
D2, D3 = D1 + timedelta(days=1), D1 + timedelta(days=2)


def ev(event_id: str, day: date) -> dict:
    return {"event_id": event_id, "event_type": "heartbeat", "occurred_at": f"{day}T10:00:00.000Z",
            "session_id": "s", "viewer_id": "v", "video_id": "vid", "position_s": 1.0}


def _notes(root, arrival: date) -> dict[str, str | None]:
    rows = lake_rows(root, "ingest_audit", f"arrival_date = DATE '{arrival}'")
    return {r["source_file"].rsplit("/", 1)[-1]: r["redelivery"] for r in rows}


def _path(root, arrival: date, name: str) -> str:
    return next(r["source_file"] for r in lake_rows(root, "ingest_audit", f"arrival_date = DATE '{arrival}'")
                if r["source_file"].endswith("/" + name))


@pytest.mark.parametrize("kept", [False, True], ids=["read-from-the-lake", "kept-by-the-run"])
def test_redelivery_notes_name_the_earliest_delivery_and_changed_content(tmp_path, kept):
    """`kept`: as a run over several arrivals does, one mapping of the audited files, read once and
    kept current by ingest_arrival, instead of the audit read again for each arrival."""
    root = tmp_path / "data"
    storage = Storage(str(root))
    catalog = schemas.VIDEO_CATALOG.empty_table()
    deliveries = audited_deliveries(storage) if kept else None

    def ingest_arrival(storage, arrival, key, catalog):
        return ingest(storage, arrival, key, catalog, deliveries=deliveries)
    same = [ev("a1", D1)]

    write_events(root, D1, "a.jsonl", same)
    write_events(root, D1, "b.jsonl", [ev("b1", D1)])
    ingest_arrival(storage, D1, b"k", catalog)
    assert _notes(root, D1) == {"a.jsonl": None, "b.jsonl": None}

    write_events(root, D2, "a.jsonl", [ev("a2", D2)])   # D1's name, other content
    write_events(root, D2, "c.jsonl", [ev("c1", D2)])   # a new name
    ingest_arrival(storage, D2, b"k", catalog)
    first_a = _path(root, D1, "a.jsonl")
    assert _notes(root, D2) == {"a.jsonl": f"redelivery: same name as, other content than {first_a}",
                                "c.jsonl": None}

    write_events(root, D3, "a.jsonl", same)             # identical to D1's: D1's comes first in the audit
    write_events(root, D3, "b.jsonl", [ev("b9", D3)])
    ingest_arrival(storage, D3, b"k", catalog)
    assert _notes(root, D3) == {"a.jsonl": f"redelivery: identical to {first_a}",
                                "b.jsonl": f"redelivery: same name as, other content than {_path(root, D1, 'b.jsonl')}"}

    # D2 ingested again after its c.jsonl changed: the note says so; a.jsonl still names D1's
    c_path = _path(root, D2, "c.jsonl")
    write_events(root, D2, "c.jsonl", [ev("c1", D2), ev("c2", D2)])
    ingest_arrival(storage, D2, b"k", catalog)
    assert _notes(root, D2) == {"a.jsonl": f"redelivery: same name as, other content than {first_a}",
                                "c.jsonl": f"changed: {c_path} had other content when it was last ingested"}
    if kept:
        assert deliveries == audited_deliveries(storage)
