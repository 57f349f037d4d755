"""The `ingest_audit` rows of an arrival: per landing file, its lines and where they went."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.storage import Storage


def _previous_deliveries(storage: Storage) -> dict[str, list[tuple[date, str, str]]]:
    """Earlier audited files by base name: (arrival, path, sha256)."""
    seen: dict[str, list[tuple[date, str, str]]] = {}
    for table in storage.read_partitions("ingest_audit", storage.partition_days("ingest_audit"),
                                         ["arrival_date", "source_file", "file_sha256"]):
        for a, path, sha in zip(*(table.column(i).to_pylist() for i in range(3))):
            seen.setdefault(path.rsplit("/", 1)[-1], []).append((a, path, sha))
    return seen


def _redelivery_note(name: str, sha: str | None, arrival: date, seen) -> str | None:
    """A file whose content changed since it was last ingested, or a name an EARLIER arrival had.

    Only earlier arrivals count, so the note does not depend on the order days are (re)built in.
    """
    for prev_arrival, prev_path, prev_sha in seen.get(name.rsplit("/", 1)[-1], []):
        if prev_path == name and prev_sha and sha and prev_sha != sha:
            return f"changed: {prev_path} had other content when it was last ingested"
        if prev_arrival < arrival:
            kind = "identical to" if prev_sha == sha else "same name as, other content than"
            return f"redelivery: {kind} {prev_path}"
    return None


def audit_table(storage: Storage, arrival: date, facts: dict[str, dict], per_file: dict[str, tuple]) -> pa.Table:
    """One row per landing file from the reader's `facts` and the counts of `arrival_audit.sql`."""
    seen = _previous_deliveries(storage)
    rows = []
    for name, fact in facts.items():
        lines_read, accepted, duplicates, quarantined, late, unknown = per_file.get(name, (0, 0, 0, 0, 0, 0))
        rows.append({
            "arrival_date": arrival, "source_file": name, "file_bytes": fact["file_bytes"],
            "file_sha256": fact["sha"], "lines_read": lines_read, "blank_lines": fact["lines"] - lines_read,
            "accepted": accepted, "duplicates": duplicates, "quarantined": quarantined,
            "late_events": late, "unknown_video_events": unknown, "file_error": fact["file_error"],
            "redelivery": _redelivery_note(name, fact["sha"], arrival, seen),
        })
    return pa.Table.from_pylist(rows, schema=schemas.INGEST_AUDIT)
