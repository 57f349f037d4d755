"""One arrival day of landing files -> staged events, quarantine, audit, touched event days.

Every non-blank line read ends in exactly one of: accepted, duplicate, quarantined.
Duplicates are found within the arrival (first delivery in file-name and line order wins) and
against the events other arrivals already staged for the same event days, so a retry landing
days after the original is dropped without reading all of history.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.ingest.lines import FileScan, read_line_batches, reuse_large_blocks
from analytics_pipeline.lib.ingest.lines import MAX_LINE_BYTES
from analytics_pipeline.lib.ingest.staged import EVENTS_PARQUET, STAGED_TABLE, publish_staged, staged_file
from analytics_pipeline.lib.prefetch import prefetched
from analytics_pipeline.lib.privacy import hash_ip_literals, ip_hash_table, mask_ip_literals, truncate_utf8
from analytics_pipeline.lib.storage import FileEntry, Storage
from analytics_pipeline.lib.useragents import user_agent_table

EVENT_SUFFIXES = (".jsonl", ".jsonl.gz")
SCAN_CHUNK_ROWS = 16384
MEMORY_LIMIT = "3GB"  # DuckDB's share; beyond it `staged` spills to the work folder
UNPARSED_REASONS = ("oversized_line", "invalid_utf8", "invalid_json", "not_an_object")


@dataclass
class ArrivalResult:
    arrival_date: date
    audit: pa.Table
    quarantine: pa.Table
    event_days: pa.Table
    accepted: int
    duplicates: int
    quarantined: int
    lines_read: int

    @property
    def touched_days(self) -> list[date]:
        return sorted(self.event_days.column("event_date").to_pylist())


class _HashingStream:
    def __init__(self, stream):
        self.stream = stream
        self.sha = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.sha.update(data)
        return data


def landing_complete(storage: Storage, arrival: date) -> bool:
    """Every file the audit lists for this arrival is still in landing, so a re-ingest loses nothing.

    False once retention has removed landing files of an ingested arrival: its lake data is then
    the only copy and must not be replaced by what is left.
    """
    rel = storage.partition_file("ingest_audit", arrival)
    if not storage.exists(rel):
        return True
    audited = set(storage.read_parquet(rel, ["source_file"]).column("source_file").to_pylist())
    return audited <= {e.path for e in landing_files(storage, arrival)}


def landing_files(storage: Storage, arrival: date) -> list[FileEntry]:
    """The arrival's landing files by path; symbolic links too (even dangling), to be refused."""
    folder = f"landing/events/{arrival}"
    entries = {e.path: e for e in storage.list_files(folder)}
    if not storage.remote:
        try:
            with os.scandir(storage.full(folder)) as found:
                links = [f"{folder}/{e.name}" for e in found if e.is_symlink()]
        except (FileNotFoundError, NotADirectoryError):
            links = []
        entries.update({rel: FileEntry(rel, 0, None) for rel in links})
    return [entries[p] for p in sorted(entries) if not p.rsplit("/", 1)[-1].startswith(".")]


def _is_symlink(storage: Storage, rel: str) -> bool:
    """A link in landing (the file or its day folder) could point anywhere: it is never read."""
    if storage.remote:
        return False
    path = storage.full(rel)
    return os.path.islink(path) or os.path.islink(os.path.dirname(path))


def _file_batches(storage: Storage, files, facts: dict[str, dict]):
    """(file_order, line batch table) for every readable line; fills `facts` as files end."""
    for order, entry in enumerate(files):
        name = entry.path
        fact = facts[name] = {"file_bytes": entry.size, "lines": 0, "file_error": None, "sha": None}
        if _is_symlink(storage, name):
            fact["file_error"] = "symlink: a landing file must be a regular file, not a link"
            continue
        if not name.endswith(EVENT_SUFFIXES):
            fact["file_error"] = "unsupported_file: expected a .jsonl or .jsonl.gz file"
            continue
        scan = FileScan()
        with storage.open_input(name) as raw_stream:
            stream = _HashingStream(raw_stream)
            for batch in read_line_batches(stream, name.endswith(".gz"), scan):
                n = len(batch.line_number)
                fact["lines"] += n
                table = pa.table({
                    "source_file": pa.repeat(pa.scalar(name, pa.string()), n),
                    "file_order": pa.repeat(pa.scalar(order, pa.int32()), n),
                    "line_number": batch.line_number,
                    "raw": batch.raw,
                    "bad_utf8": batch.bad_utf8,
                    "oversized": batch.oversized,
                })
                # DuckDB scans one Arrow record batch per thread: several let both cores parse
                yield pa.Table.from_batches(table.to_batches(max_chunksize=SCAN_CHUNK_ROWS), LINE_BATCH)
            while stream.read(1 << 20):  # hash the whole file even after a fault
                pass
        fact["sha"] = stream.sha.hexdigest()
        fact["file_error"] = scan.file_error


LINE_BATCH = pa.schema([("source_file", pa.string()), ("file_order", pa.int32()), ("line_number", pa.int64()),
                         ("raw", pa.large_string()), ("bad_utf8", pa.bool_()), ("oversized", pa.bool_())])


def _stage_lines(con, storage: Storage, arrival: date, files, spill_file: str) -> dict[str, dict]:
    """Parse and check every line into the relation `staged`; returns per-file facts.

    One COPY reads the line batches as an Arrow stream while the files are still being read and
    writes one uncompressed Parquet file (dictionary encoding keeps it small): memory stays
    bounded. A COPY per batch cost a third more CPU per line (each query starts cold), and
    appending to a DuckDB table was as costly as the parse itself.
    """
    arrival_end = datetime.combine(arrival + timedelta(days=1), time(0), tzinfo=timezone.utc)
    # the file name is kept once in `files`, not on every staged row
    stage_sql = f"SELECT * EXCLUDE (source_file) FROM ({duck.load_sql('staging/stg_event_lines')})"
    facts: dict[str, dict] = {}
    reuse_large_blocks()  # before the reading thread starts
    batches = (batch for table in prefetched(_file_batches(storage, files, facts)) for batch in table.to_batches())
    con.register("line_batch", pa.RecordBatchReader.from_batches(LINE_BATCH, batches))
    try:
        con.execute(
            f"COPY ({stage_sql}) TO {duck.sql_string(spill_file)} (FORMAT parquet, COMPRESSION uncompressed)",
            {"arrival_end": arrival_end},
        )
    finally:
        con.unregister("line_batch")
    con.execute(f"CREATE TEMP VIEW staged AS SELECT * FROM read_parquet({duck.sql_string(spill_file)})")
    _small_table(con, "files", pa.table({
        "file_order": pa.array(range(len(files)), pa.int32()),
        "source_file": pa.array([f.path for f in files], pa.string()),
    }))
    return facts


def _small_table(con, name: str, table: pa.Table) -> None:
    """A DuckDB table, not a registered Arrow one: its known size makes joins hash the small side."""
    con.register(f"__{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM __{name}_arrow")
    con.unregister(f"__{name}_arrow")


def _earlier_ids(con, storage: Storage, arrival: date) -> dict[date, int]:
    """Bind `other_ids`: ids other arrivals already staged for the event days this one touches.

    Returns the accepted lines per event day (duplicates included).
    """
    per_day = dict(con.sql("SELECT occurred_at::DATE, count(*) FROM staged WHERE reason IS NULL GROUP BY 1").fetchall())
    touched = sorted(per_day)
    other_arrivals: set[date] = set()
    if touched:
        duck.register_partitions(
            con, "all_event_days", storage, "arrival_event_days",
            storage.partition_days("arrival_event_days"), schemas.ARRIVAL_EVENT_DAYS,
        )
        rows = con.execute(
            "SELECT DISTINCT date FROM all_event_days WHERE event_date IN (SELECT unnest($d)) AND date <> $a",
            {"d": touched, "a": arrival},
        ).fetchall()
        other_arrivals = {r[0] for r in rows}
    duck.register_partitions(con, "other_staged", storage, STAGED_TABLE, sorted(other_arrivals), schemas.EVENTS)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE other_ids AS SELECT DISTINCT event_id FROM other_staged "
        "WHERE event_date IN (SELECT unnest($d))", {"d": touched}
    )
    return per_day


def _lookups(con, ip_key: bytes) -> None:
    ips = [r[0] for r in con.sql("SELECT DISTINCT ip FROM staged WHERE ip IS NOT NULL").fetchall()]
    uas = [r[0] for r in con.sql("SELECT DISTINCT user_agent FROM staged WHERE reason IS NULL").fetchall()]
    _small_table(con, "ip_lookup", ip_hash_table(ip_key, ips))
    _small_table(con, "ua_lookup", user_agent_table(uas))


def _quarantine_table(con, arrival: date, facts: dict[str, dict], ip_key: bytes) -> pa.Table:
    rows = con.sql(
        "SELECT f.source_file, s.line_number, s.reason, s.raw, s.ip FROM staged s JOIN files f USING (file_order) "
        "WHERE s.reason IS NOT NULL ORDER BY s.file_order, s.line_number"
    ).fetchall()
    out = {"arrival_date": [], "source_file": [], "line_number": [], "reason": [], "raw": []}
    for source_file, line_number, reason, raw, ip in rows:
        raw = raw.rstrip("\r\n")
        # every address, whatever field or escaping carries it, before any cut
        if reason.startswith(UNPARSED_REASONS):
            raw = mask_ip_literals(raw)
        else:  # a parsed line: its `ip` value and any other address become keyed hashes
            raw = hash_ip_literals(ip_key, raw, ip)
        out["arrival_date"].append(arrival)
        out["source_file"].append(source_file)
        out["line_number"].append(line_number)
        out["reason"].append(hash_ip_literals(ip_key, reason))
        out["raw"].append(truncate_utf8(raw, MAX_LINE_BYTES))
    for name, fact in facts.items():
        if fact["file_error"]:
            out["arrival_date"].append(arrival)
            out["source_file"].append(name)
            out["line_number"].append(None)
            out["reason"].append("bad_file: " + fact["file_error"])
            out["raw"].append(None)
    return pa.Table.from_pydict(out, schema=schemas.EVENTS_QUARANTINE)


# The positions of the duplicate lines: a later delivery of an id within the arrival (the first
# in file and line order wins), or an id another arrival already staged. Ids are grouped by their
# 64-bit hash first and exactly only where a hash repeats: grouping 10 M distinct strings was
# most of the cost. The result stays small next to `staged`.
DUPLICATES_SQL = """
CREATE TEMP TABLE duplicates AS
WITH valid AS (
    SELECT event_id, file_order, line_number, file_order::BIGINT * 4294967296 + line_number AS position,
           hash(event_id) AS id_hash
    FROM staged WHERE reason IS NULL
),
candidates AS (
    SELECT * FROM valid
    WHERE id_hash IN (SELECT id_hash FROM valid GROUP BY id_hash HAVING count(*) > 1)
),
repeated AS (
    SELECT event_id, min(position) AS first_position FROM candidates GROUP BY event_id HAVING count(*) > 1
)
SELECT DISTINCT file_order, line_number FROM (
    SELECT v.file_order, v.line_number FROM candidates v JOIN repeated r USING (event_id) WHERE v.position > r.first_position
    UNION ALL
    SELECT v.file_order, v.line_number FROM valid v JOIN other_ids o USING (event_id)
)
"""

EVENTS_SQL = """
SELECT
    a.event_id, a.event_type, a.occurred_at, a.received_at, a.session_id, a.viewer_id, a.user_id,
    a.video_id, a.position_s, a.from_position_s, a.duration_s, a.playback_rate, a.bitrate_kbps,
    a.rendition, a.error_code, a.error_message, a.error_fatal, a.user_agent, l.ip_hash, a.country,
    a.referrer, a.player, a.properties,
    coalesce(u.device_type, 'unknown') AS device_type, u.browser, u.os, coalesce(u.is_bot, false) AS is_bot,
    c.video_id IS NULL AS unknown_video,
    a.occurred_at::DATE AS event_date, $arrival::DATE AS arrival_date, f.source_file, a.line_number
FROM staged a
JOIN files f ON f.file_order = a.file_order
LEFT JOIN ip_lookup l ON l.ip = a.ip
LEFT JOIN ua_lookup u ON u.user_agent IS NOT DISTINCT FROM a.user_agent
LEFT JOIN video_catalog c ON c.video_id = a.video_id
WHERE a.reason IS NULL
  AND NOT EXISTS (SELECT 1 FROM duplicates d WHERE d.file_order = a.file_order AND d.line_number = a.line_number)
"""

# Per file, from `staged` (every line) and the written events (accepted ones): reading three
# columns of the output is cheaper than carrying flags on every staged row.
AUDIT_SQL = """
WITH lines AS (
    SELECT file_order, count(*) AS lines_read, count(*) FILTER (WHERE reason IS NOT NULL) AS quarantined
    FROM staged GROUP BY file_order
),
dups AS (SELECT file_order, count(*) AS duplicates FROM duplicates GROUP BY file_order),
kept AS (
    SELECT source_file, count(*) AS accepted,
           count(*) FILTER (WHERE event_date < $arrival::DATE) AS late_events,
           count(*) FILTER (WHERE unknown_video) AS unknown_video_events
    FROM written GROUP BY source_file
)
SELECT f.source_file, l.lines_read, coalesce(k.accepted, 0), coalesce(d.duplicates, 0), l.quarantined,
       coalesce(k.late_events, 0), coalesce(k.unknown_video_events, 0)
FROM lines l
JOIN files f USING (file_order)
LEFT JOIN dups d USING (file_order)
LEFT JOIN kept k ON k.source_file = f.source_file
"""


def _write_events_by_day(con, storage: Storage, arrival: date, per_day: dict[date, int]) -> dict[date, str]:
    """Write the arrival's events, one local file per event day; returns {day: local path}.

    The biggest day is written straight from the staged lines; the few events of other days
    (late ones, views past midnight) go through a small table first. One partitioned COPY
    would read the lines once but took twice as long (it buffers every partition).
    """
    if not per_day:
        return {}
    main = max(per_day, key=lambda d: (per_day[d], d))
    local = {main: storage.staging_path(staged_file(arrival, main))}
    params = {"arrival": arrival, "day": main}
    con.execute(f"COPY (SELECT * FROM ({EVENTS_SQL}) WHERE event_date = $day) TO {duck.sql_string(local[main])} "
                f"({EVENTS_PARQUET})", params)
    if len(per_day) > 1:
        # a filter on occurred_at itself reaches the scan of `staged`; one on event_date ran the
        # joins for every line first (1.2 s instead of 0.5 s at 10 M lines)
        con.execute(f"CREATE TEMP TABLE other_days AS SELECT * FROM ({EVENTS_SQL}) "
                    "WHERE NOT (occurred_at >= $day::TIMESTAMPTZ AND occurred_at < $day::TIMESTAMPTZ + INTERVAL 1 DAY)",
                    params)
        for day in sorted(d for d in per_day if d != main):
            local[day] = storage.staging_path(staged_file(arrival, day))
            con.execute(f"COPY (SELECT * FROM other_days WHERE event_date = $day) TO {duck.sql_string(local[day])} "
                        f"({EVENTS_PARQUET})", {"day": day})
    for day, path in list(local.items()):  # a day of nothing but duplicates gets no file
        if pq.ParquetFile(path).metadata.num_rows == 0:
            os.remove(path)
            if storage.remote:  # its own temporary folder
                shutil.rmtree(os.path.dirname(path), ignore_errors=True)
            del local[day]
    return local


def _previous_deliveries(storage: Storage, arrival: date) -> dict[str, list[tuple[date, str, str]]]:
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


def ingest_arrival(
    storage: Storage, arrival: date, ip_key: bytes, catalog: pa.Table, work_dir: str | None = None
) -> ArrivalResult:
    """Ingest `landing/events/<arrival>/`; write staged events, quarantine, audit and event days."""
    files = landing_files(storage, arrival)
    tmp = tempfile.mkdtemp(prefix="ingest-", dir=work_dir)
    try:
        con = duck.connect()  # in memory; spills to `tmp` beyond the memory limit
        con.execute(f"SET temp_directory = {duck.sql_string(tmp + '/spill')}")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
        con.execute("SET preserve_insertion_order = false")
        _small_table(con, "video_catalog", catalog)
        facts = _stage_lines(con, storage, arrival, files, f"{tmp}/staged.parquet")
        per_day = _earlier_ids(con, storage, arrival)
        _lookups(con, ip_key)
        con.execute(DUPLICATES_SQL)
        params = {"arrival": arrival}

        local_files = _write_events_by_day(con, storage, arrival, per_day)
        quarantine = _quarantine_table(con, arrival, facts, ip_key)
        written = ", ".join(duck.sql_string(p) for p in local_files.values())
        con.execute(
            f"CREATE TEMP VIEW written AS SELECT source_file, event_date, unknown_video FROM read_parquet([{written}])"
            if local_files else "CREATE TEMP VIEW written AS SELECT ''::VARCHAR AS source_file, NULL::DATE AS event_date, "
                                "false AS unknown_video WHERE false"
        )
        per_file = {r[0]: r[1:] for r in con.execute(AUDIT_SQL, params).fetchall()}
        event_days = con.sql(
            "SELECT $arrival::DATE AS arrival_date, event_date, count(*) AS events, event_date < $arrival::DATE AS late "
            "FROM written GROUP BY event_date ORDER BY event_date", params=params
        ).to_arrow_table().cast(schemas.ARRIVAL_EVENT_DAYS)
        con.close()

        seen = _previous_deliveries(storage, arrival)
        audit_rows = []
        for name, fact in facts.items():
            lines_read, accepted, duplicates, quarantined, late, unknown = per_file.get(name, (0, 0, 0, 0, 0, 0))
            audit_rows.append({
                "arrival_date": arrival, "source_file": name, "file_bytes": fact["file_bytes"],
                "file_sha256": fact["sha"], "lines_read": lines_read, "blank_lines": fact["lines"] - lines_read,
                "accepted": accepted, "duplicates": duplicates, "quarantined": quarantined,
                "late_events": late, "unknown_video_events": unknown, "file_error": fact["file_error"],
                "redelivery": _redelivery_note(name, fact["sha"], arrival, seen),
            })
        audit = pa.Table.from_pylist(audit_rows, schema=schemas.INGEST_AUDIT)

        # Staged events first, the audit last: an audit partition means the arrival is complete.
        publish_staged(storage, arrival, local_files)
        storage.write_partition("events_quarantine", arrival, quarantine.drop_columns([]))
        storage.write_partition("arrival_event_days", arrival, event_days)
        storage.write_partition("ingest_audit", arrival, audit)
        totals = [sum(r[k] for r in audit_rows) for k in ("accepted", "duplicates", "quarantined", "lines_read")]
        return ArrivalResult(arrival, audit, quarantine, event_days, *totals)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
