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


def test_a_clear_ip_in_any_shape_or_escaping_is_hashed_in_the_quarantine(tmp_path):
    from analytics_pipeline.lib.privacy import ip_hash
    from analytics_pipeline.lib.quality import clear_ips_in_quarantine

    root = tmp_path / "data"
    lines = [
        json.dumps(ev(1, ip={"addr": "203.0.113.81"})),                   # an object
        json.dumps(ev(2, ip=["198.51.100.23", "2001:db8::9"])),          # an array
        json.dumps(ev(3, ip="x", event_type="teleport")).replace('"x"', '"203\\u002e0.113.82"'),  # an escaped string
        json.dumps(ev(4, ip="x", position_s=-1.0)).replace('"x"', '"2\\u00303\\u002e0\\u002e113\\u002e83"'),
        json.dumps(ev(5, ip="x", event_type="203.0.113.84")),            # in a field the reason repeats
        '{"not json", "ip": "192.0.2\\u002e85"',                          # unparsed: masked
    ]
    write_events(root, DAY, "ips.jsonl", lines)

    result = _ingest(root)

    assert result.quarantined == 6
    raws = {r["line_number"]: r["raw"] for r in result.quarantine.to_pylist()}
    assert ip_hash(KEY, "203.0.113.81") in raws[1]
    assert ip_hash(KEY, "2001:db8::9") in raws[2] and ip_hash(KEY, "198.51.100.23") in raws[2]
    assert ip_hash(KEY, "203.0.113.82") in raws[3]
    assert ip_hash(KEY, "203.0.113.83") in raws[4]
    assert "[ip-masked]" in raws[6]
    for line in (1, 2, 3, 4, 5):
        assert json.loads(raws[line])["event_id"] == f"f-{line}"  # still the line's JSON
    stored = all_stored_text(root)
    for n in range(81, 86):
        assert f"203.0.113.{n}" not in stored and f"113\\\\u002e{n}" not in stored
    assert "198.51.100.23" not in stored and "2001:db8::9" not in stored
    assert clear_ips_in_quarantine(result.quarantine) == 0


def test_the_no_clear_ip_check_finds_an_address_in_any_shape_and_column():
    from analytics_pipeline.lib.quality import clear_ips_in_quarantine

    def quarantine(reason: str, raw: str | None) -> pa.Table:
        return pa.Table.from_pylist([{"arrival_date": DAY, "source_file": "f.jsonl", "line_number": 1,
                                      "reason": reason, "raw": raw}], schema=schemas.EVENTS_QUARANTINE)

    assert clear_ips_in_quarantine(quarantine("wrong_type: ip", '{"ip": {"a": "203.0.113.81"}}')) == 1
    assert clear_ips_in_quarantine(quarantine("wrong_type: ip", '{"ip": ["2001:db8::9"]}')) == 1
    assert clear_ips_in_quarantine(quarantine("wrong_type: ip", '{"ip": "203\\u002e0.113.81"}')) == 1
    assert clear_ips_in_quarantine(quarantine("unknown_event_type: 203.0.113.84", None)) == 1
    assert clear_ips_in_quarantine(quarantine("x", '{"ua": "Chrome/120.0.0.0", "v": "\\\\u002e"}')) == 0
