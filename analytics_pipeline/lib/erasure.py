"""Erasure of one person (a `viewer_id` or a `user_id`): find their footprint, cut it out, log it.

Landing files are rewritten without the person's lines: the raw copy is the one a re-ingest
would read, so only removing it there guarantees no rebuild or re-ingest brings them back
(a list of erased ids consulted by ingestion would keep the raw data for up to 90 days and
make every future ingestion depend on it). Arrivals whose landing files are all still there
are then re-ingested (exactly what a clean delivery would have given, audit included); for an
arrival whose landing files retention already removed, its staged events and quarantine rows
are filtered in place. Derived tables (events, views, visits, progress, marts, warehouse) are
rebuilt by the caller from the returned days.

Landing files are read with ingestion's own reader, so a fault is met the same way: a file of
which nothing can be read (a `.gz` that is not gzip) holds no readable person data and is skipped
and named (`Footprint.unreadable_files`); a file readable up to a fault (a truncated `.gz`) had
its lines before the fault ingested, so the person's lines are removed from that part and the
file is rewritten as those remaining lines followed by the same kind of fault, which a re-ingest
reports as before (`Footprint.partly_read_files`). What lay past the fault was never readable.

The erasure log keeps a keyed hash of the id (never the id), when, and how much went.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pyarrow as pa

from analytics_pipeline.lib.ingest.lines import FileScan, _blocks as read_blocks
from analytics_pipeline.lib.ingest.staged import write_staged
from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.storage import Storage

KINDS = {"viewer": "viewer_id", "user": "user_id"}
LOG_TABLE = "erasure_log"
ERASURE_LOG = pa.schema([
    ("subject_hash", pa.string()), ("id_kind", pa.string()), ("erased_at", schemas.TS),
    ("landing_lines", pa.int64()), ("staged_events", pa.int64()), ("quarantine_rows", pa.int64()),
    ("arrival_days", pa.int64()), ("event_days", pa.int64()),
])
# Derived tables that hold the id, read to find the days to rebuild even when events are gone. A
# learner_id is the user_id, or the viewer_id of a viewer never signed in: either kind matches it.
# Rebuilding the first such day rebuilds every later day of the chained tables (runner.rebuild).
DERIVED_WITH_ID = ("playback_sessions", "viewer_sessions", "viewer_progress_history", "learner_course_progress_history",
                   "video_counted_views", "viewer_first_views")


def subject_hash(key: bytes, kind: str, subject_id: str) -> str:
    """HMAC-SHA256 of `kind:id` under the instance's secret key (like ip_hash), 32 hex characters."""
    return hmac.new(key, f"erasure:{kind}:{subject_id}".encode(), hashlib.sha256).hexdigest()[:32]


def line_is_subjects(line: bytes, column: str, subject_id: str) -> bool:
    """A JSON line whose `column` is the id; an unparseable line that quotes the id anywhere."""
    needle = json.dumps(subject_id).encode()
    if needle not in line and subject_id.encode() not in line:
        return False
    try:
        obj = json.loads(line)
    except ValueError:
        return needle in line
    if isinstance(obj, dict):
        return obj.get(column) == subject_id
    return needle in line


@dataclass
class Footprint:
    landing_files: dict[str, int] = field(default_factory=dict)  # path -> lines of the person
    staged: dict[date, list[date]] = field(default_factory=dict)  # arrival day -> event days with their events
    quarantine_days: set[date] = field(default_factory=set)
    derived_days: set[date] = field(default_factory=set)          # view/visit/progress days naming them
    staged_events: int = 0
    quarantine_rows: int = 0
    unreadable_files: dict[str, str] = field(default_factory=dict)  # path -> fault; nothing readable, skipped
    partly_read_files: dict[str, str] = field(default_factory=dict)  # path -> fault; searched up to the fault

    @property
    def arrival_days(self) -> set[date]:
        days = set(self.staged) | self.quarantine_days
        for path in self.landing_files:
            try:
                days.add(date.fromisoformat(path.split("/")[2]))
            except (ValueError, IndexError):
                pass
        return days

    @property
    def event_days(self) -> set[date]:
        return {d for days in self.staged.values() for d in days}

    @property
    def empty(self) -> bool:
        return not (self.landing_files or self.staged or self.quarantine_days or self.derived_days)


# Appended after the remaining lines of a file that had a fault, so ingestion meets the same kind
# of fault there: the header of a gzip member that never ends, or one whose deflate data is invalid.
_UNFINISHED_MEMBER = gzip.compress(b"", mtime=0)[:10]
FAULT_TAILS = {"truncated_gzip": _UNFINISHED_MEMBER, "corrupt_gzip": _UNFINISHED_MEMBER + b"\xff\xff\xff\xff"}


def read_landing(storage: Storage, path: str) -> tuple[bytes, str | None]:
    """The text ingestion reads from a landing file (up to any fault) and the fault, if one."""
    data = storage.read_bytes(path)
    if not path.endswith(".gz"):
        return data, None
    scan = FileScan()
    text = b"".join(read_blocks(io.BytesIO(data), True, scan))
    return text, scan.file_error


def _encoded(path: str, text: bytes, fault: str | None) -> bytes:
    if not path.endswith(".gz"):
        return text
    return gzip.compress(text, mtime=0) + (FAULT_TAILS.get(fault.split(":", 1)[0], _UNFINISHED_MEMBER) if fault else b"")


def _quarantine_match_sql(column: str) -> str:
    return (f"(try(json_extract_string(raw, '$.{column}')) = $id "
            f"OR (try(json_extract_string(raw, '$.{column}')) IS NULL AND contains(raw, $needle)))")


def find_footprint(storage: Storage, kind: str, subject_id: str) -> Footprint:
    column = KINDS[kind]
    fp = Footprint()
    for entry in storage.list_files("landing/events", recursive=True):
        if entry.path.rsplit("/", 1)[-1].startswith("."):
            continue
        text, fault = read_landing(storage, entry.path)
        if fault:
            (fp.partly_read_files if text else fp.unreadable_files)[entry.path] = fault
        if subject_id.encode() in text:
            hits = sum(line_is_subjects(line, column, subject_id) for line in text.split(b"\n"))
            if hits:
                fp.landing_files[entry.path] = hits
    con = duck.connect()
    params = {"id": subject_id}
    duck.register_partitions(con, "staged", storage, "event_arrivals", storage.partition_days("event_arrivals"), schemas.EVENTS)
    for arrival, event_day, n in con.execute(
        f"SELECT date, event_date, count(*) FROM staged WHERE {column} = $id GROUP BY ALL ORDER BY ALL", params
    ).fetchall():
        fp.staged.setdefault(arrival, []).append(event_day)
        fp.staged_events += n
    duck.register_partitions(con, "quarantine", storage, "events_quarantine", storage.partition_days("events_quarantine"),
                             schemas.EVENTS_QUARANTINE)
    for day, n in con.execute(
        f"SELECT date, count(*) FROM quarantine WHERE {_quarantine_match_sql(column)} GROUP BY ALL",
        {**params, "needle": json.dumps(subject_id)},
    ).fetchall():
        fp.quarantine_days.add(day)
        fp.quarantine_rows += n
    for table in DERIVED_WITH_ID:
        days = storage.partition_days(table)
        if not days:
            continue
        duck.register_partitions(con, "derived", storage, table, days)
        cols = [c[0] for c in con.sql("DESCRIBE derived").fetchall()]
        matched = [c for c in (column, "learner_id") if c in cols]
        if matched:
            where = " OR ".join(f"{c} = $id" for c in matched)
            fp.derived_days |= {r[0] for r in con.execute(f"SELECT DISTINCT date FROM derived WHERE {where}", params).fetchall()}
    con.close()
    return fp


def rewrite_landing(storage: Storage, fp: Footprint, kind: str, subject_id: str) -> int:
    """Rewrite each landing file of the footprint without the person's lines; returns lines removed.

    A file with a fault keeps it after its remaining lines (see the module docstring).
    """
    column, removed = KINDS[kind], 0
    for path in sorted(fp.landing_files):
        text, fault = read_landing(storage, path)
        lines = text.split(b"\n")
        kept = [line for line in lines if not line_is_subjects(line, column, subject_id)]
        removed += len(lines) - len(kept)
        storage.write_bytes(path, _encoded(path, b"\n".join(kept), fault))
    return removed


def filter_arrival_in_place(storage: Storage, arrival: date, kind: str, subject_id: str) -> None:
    """For an arrival whose landing is gone: drop the person's staged events and quarantine rows, fix its counts."""
    column = KINDS[kind]
    con = duck.connect()
    duck.register_partitions(con, "staged", storage, "event_arrivals", [arrival], schemas.EVENTS)
    duck.register_partitions(con, "quarantine", storage, "events_quarantine", [arrival], schemas.EVENTS_QUARANTINE)
    duck.register_partitions(con, "audit", storage, "ingest_audit", [arrival], schemas.INGEST_AUDIT)
    staged_cols = ", ".join(schemas.EVENTS.names)
    kept = con.sql(f"SELECT {staged_cols} FROM staged WHERE {column} IS DISTINCT FROM $id", params={"id": subject_id}).to_arrow_table()
    con.register("kept", kept)
    gone = con.sql(
        f"SELECT source_file, count(*) AS n, count(*) FILTER (WHERE event_date < $arrival) AS late, "
        f"count(*) FILTER (WHERE unknown_video) AS unknown FROM staged WHERE {column} = $id GROUP BY 1",
        params={"id": subject_id, "arrival": arrival},
    ).to_arrow_table()
    q_cols = ", ".join(schemas.EVENTS_QUARANTINE.names)
    q_params = {"id": subject_id, "needle": json.dumps(subject_id)}
    q_kept = con.sql(f"SELECT {q_cols} FROM quarantine WHERE NOT coalesce({_quarantine_match_sql(column)}, false)",
                     params=q_params).to_arrow_table()
    q_gone = con.sql(f"SELECT source_file, count(*) AS n FROM quarantine WHERE {_quarantine_match_sql(column)} GROUP BY 1",
                     params=q_params).to_arrow_table()
    con.register("gone", gone)
    con.register("q_gone", q_gone)
    audit_cols = [c for c in schemas.INGEST_AUDIT.names]
    fixed = con.sql(f"""
        SELECT {', '.join(c for c in audit_cols if c not in ('lines_read', 'accepted', 'quarantined', 'late_events', 'unknown_video_events'))},
               a.lines_read - coalesce(g.n, 0) - coalesce(q.n, 0) AS lines_read,
               a.accepted - coalesce(g.n, 0) AS accepted,
               a.quarantined - coalesce(q.n, 0) AS quarantined,
               a.late_events - coalesce(g.late, 0) AS late_events,
               a.unknown_video_events - coalesce(g.unknown, 0) AS unknown_video_events
        FROM audit a LEFT JOIN gone g USING (source_file) LEFT JOIN q_gone q USING (source_file)
    """).to_arrow_table().select(audit_cols)
    days = con.sql("SELECT $arrival::DATE AS arrival_date, event_date, count(*) AS events, event_date < $arrival::DATE AS late "
                   "FROM kept GROUP BY event_date ORDER BY event_date", params={"arrival": arrival}).to_arrow_table()
    con.close()
    write_staged(storage, arrival, kept.cast(schemas.EVENTS))
    storage.write_partition("events_quarantine", arrival, q_kept.cast(schemas.EVENTS_QUARANTINE))
    storage.write_partition("arrival_event_days", arrival, days.cast(schemas.ARRIVAL_EVENT_DAYS))
    if storage.exists(storage.partition_file("ingest_audit", arrival)):
        storage.write_partition("ingest_audit", arrival, fixed.cast(schemas.INGEST_AUDIT))


def record_erasure(storage: Storage, key: bytes, kind: str, subject_id: str, fp: Footprint, landing_lines: int,
                   now: datetime | None = None) -> bool:
    """Append to the erasure log, unless this id was already logged and nothing was found this time."""
    rel = storage.snapshot_path(LOG_TABLE)
    log = storage.read_parquet(rel) if storage.exists(rel) else ERASURE_LOG.empty_table()
    hashed = subject_hash(key, kind, subject_id)
    if fp.empty and hashed in set(log.column("subject_hash").to_pylist()):
        return False
    row = pa.Table.from_pylist([{
        "subject_hash": hashed, "id_kind": kind, "erased_at": now or datetime.now(timezone.utc),
        "landing_lines": landing_lines, "staged_events": fp.staged_events, "quarantine_rows": fp.quarantine_rows,
        "arrival_days": len(fp.arrival_days), "event_days": len(fp.event_days),
    }], schema=ERASURE_LOG)
    storage.write_snapshot(LOG_TABLE, pa.concat_tables([log.cast(ERASURE_LOG), row]))
    return True
