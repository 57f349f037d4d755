"""Landing input that once did damage: a byte order mark, symbolic links, clear IPs in odd shapes."""

from __future__ import annotations

import gzip
import json
import os
from datetime import date
from pathlib import Path

import pyarrow as pa

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.ingest.arrival import ingest_arrival
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline_tests.support import all_stored_text, write_events

DAY = date(2026, 6, 10)
KEY = b"test-ip-key"


def ev(n: int, **fields) -> dict:
    base = {"event_id": f"f-{n}", "event_type": "heartbeat", "occurred_at": f"2026-06-10T12:00:{n:02d}.000Z",
            "session_id": "s", "viewer_id": "v", "video_id": "vid-1", "position_s": float(n)}
    base.update(fields)
    return base


def _ingest(root: Path):
    return ingest_arrival(Storage(str(root)), DAY, KEY, schemas.VIDEO_CATALOG.empty_table())


def _audit(result) -> dict[str, dict]:
    return {r["source_file"].rsplit("/", 1)[-1]: r for r in result.audit.to_pylist()}


def test_a_leading_byte_order_mark_does_not_cost_the_first_line(tmp_path):
    root = tmp_path / "data"
    text = "\ufeff" + "".join(json.dumps(ev(i)) + "\n" for i in range(3))
    folder = root / "landing" / "events" / str(DAY)
    folder.mkdir(parents=True)
    (folder / "bom.jsonl").write_bytes(text.encode())
    (folder / "bom.jsonl.gz").write_bytes(gzip.compress(text.replace("f-", "g-").encode(), mtime=0))

    result = _ingest(root)

    assert result.quarantine.num_rows == 0
    for name in ("bom.jsonl", "bom.jsonl.gz"):
        row = _audit(result)[name]
        assert (row["lines_read"], row["accepted"], row["quarantined"]) == (3, 3, 0), name


def test_a_symlink_in_landing_is_quarantined_as_a_bad_file_and_never_read(tmp_path):
    root = tmp_path / "data"
    outside = tmp_path / "outside.jsonl"
    outside.write_text(json.dumps(ev(1, event_id="secret-outside")) + "\n")
    write_events(root, DAY, "good.jsonl", [ev(2)])
    folder = root / "landing" / "events" / str(DAY)
    os.symlink(outside, folder / "link.jsonl")
    os.symlink(tmp_path / "nowhere.jsonl", folder / "dangling.jsonl")

    result = _ingest(root)

    audit = _audit(result)
    assert set(audit) == {"good.jsonl", "link.jsonl", "dangling.jsonl"}
    for name in ("link.jsonl", "dangling.jsonl"):
        assert audit[name]["lines_read"] == 0 and audit[name]["file_error"].startswith("symlink"), name
    for row in audit.values():
        assert row["lines_read"] == row["accepted"] + row["duplicates"] + row["quarantined"]
    reasons = {r["source_file"].rsplit("/", 1)[-1]: r["reason"] for r in result.quarantine.to_pylist()}
    assert reasons == {"link.jsonl": reasons["link.jsonl"], "dangling.jsonl": reasons["dangling.jsonl"]}
    assert all(r.startswith("bad_file: symlink") for r in reasons.values())
    assert result.accepted == 1
    assert "secret-outside" not in all_stored_text(root)
