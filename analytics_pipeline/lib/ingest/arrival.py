"""One arrival day of landing files -> staged events, quarantine, audit, touched event days.

Every non-blank line read ends in exactly one of: accepted, duplicate, quarantined.
Duplicates are found within the arrival (first delivery in file-name and line order wins) and
against the events EARLIER arrivals staged for the same event days (the earliest arrival of an
id wins), so a retry landing days after the original is dropped without reading all of history,
and an arrival's output never depends on later arrivals. Ingesting an arrival before a later
one that shares its event days therefore changes what the later one should hold: the runner
ingests that one again (`plan.arrivals_to_reingest`).

The steps: read the landing files (`landing.py`), parse and check every line
(`sql/staging/stg_event_lines.sql`), find duplicates and write the events of each event day
(`sql/ingest/`), then the quarantine, the event days and the audit (`audit.py`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from analytics_pipeline.lib import duck, schemas, scratch
from analytics_pipeline.lib.ingest.audit import Deliveries, audit_table, record_deliveries
from analytics_pipeline.lib.ingest.landing import LINE_BATCH, file_batches, landing_files
from analytics_pipeline.lib.ingest.lines import MAX_LINE_BYTES, reuse_large_blocks
from analytics_pipeline.lib.ingest.staged import (
    EVENTS_PARQUET, STAGED_TABLE, arrivals_by_event_day, publish_staged, record_arrival, staged_file,
)
from analytics_pipeline.lib.prefetch import prefetched
from analytics_pipeline.lib.privacy import hash_ip_literals, ip_hash_table, mask_ip_literals, truncate_utf8
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.lib.useragents import user_agent_table

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
    batches = (batch for table in prefetched(file_batches(storage, files, facts)) for batch in table.to_batches())
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


def _earlier_ids(con, storage: Storage, arrival: date, by_day: dict[date, list[date]] | None) -> dict[date, int]:
    """Bind `other_ids`: ids earlier arrivals staged for the event days this one touches.

    Returns the accepted lines per event day (duplicates included).
    """
    per_day = dict(con.sql("SELECT occurred_at::DATE, count(*) FROM staged WHERE reason IS NULL GROUP BY 1").fetchall())
    touched = sorted(per_day)
    other_arrivals: set[date] = set()
    if touched:
        by_day = arrivals_by_event_day(storage) if by_day is None else by_day
        other_arrivals = {a for day in touched for a in by_day.get(day, []) if a < arrival}
    duck.register_partitions(con, "other_staged", storage, STAGED_TABLE, sorted(other_arrivals), schemas.EVENTS)
    # a view, read once by `arrival_duplicates`, whose join keeps only the ids this arrival has
    # (its DISTINCT drops the repeats): with a DISTINCT table of every earlier id first, the two
    # took 73 to 95 ms for an arrival of 100 k events, 55 to 63 ms without
    days = ", ".join(f"DATE '{day.isoformat()}'" for day in touched) or "NULL"
    con.execute(f"CREATE OR REPLACE TEMP VIEW other_ids AS SELECT event_id FROM other_staged WHERE event_date IN ({days})")
    return per_day


def _lookups(con, ip_key: bytes) -> None:
    ips = [r[0] for r in con.sql("SELECT DISTINCT ip FROM staged WHERE ip IS NOT NULL").fetchall()]
    uas = [r[0] for r in con.sql("SELECT DISTINCT user_agent FROM staged WHERE reason IS NULL").fetchall()]
    _small_table(con, "ip_lookup", ip_hash_table(ip_key, ips))
    _small_table(con, "ua_lookup", user_agent_table(uas))


def _quarantine_table(con, arrival: date, facts: dict[str, dict], ip_key: bytes) -> pa.Table:
    rows = con.sql(duck.load_sql("ingest/arrival_quarantined_lines")).fetchall()
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
    events_sql = duck.load_sql("ingest/arrival_events")
    con.execute(f"COPY (SELECT * FROM ({events_sql}) WHERE event_date = $day) TO {duck.sql_string(local[main])} "
                f"({EVENTS_PARQUET})", params)
    if len(per_day) > 1:
        # a filter on occurred_at itself reaches the scan of `staged`; one on event_date ran the
        # joins for every line first (1.2 s instead of 0.5 s at 10 M lines)
        con.execute(f"CREATE TEMP TABLE other_days AS SELECT * FROM ({events_sql}) "
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


@dataclass
class StagedArrival:
    """An arrival's landing lines parsed and checked into the relation `staged` of `con` (`stage_arrival`)."""

    arrival: date
    facts: dict[str, dict]
    con: duckdb.DuckDBPyConnection
    tmp: str

    def close(self) -> None:
        """Drop the connection and the staged lines (clear IPs): `finish_arrival` does, and so
        must whoever staged an arrival it will not finish."""
        self.con.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def ingest_arrival(
    storage: Storage, arrival: date, ip_key: bytes, catalog: pa.Table, work_dir: str | None = None,
    memory_limit: str = "2GB", arrivals: dict[date, list[date]] | None = None,
    deliveries: Deliveries | None = None,
) -> ArrivalResult:
    """Ingest `landing/events/<arrival>/`; write staged events, quarantine, audit and event days.

    `memory_limit` is DuckDB's share (settings.duckdb_memory_limit); beyond it `staged` spills to the work folder.
    `arrivals`: `arrivals_by_event_day(storage)`, when the caller keeps it over several arrivals;
    updated here as `arrival_event_days` is written. Read from the lake when not given.
    `deliveries`: `audited_deliveries(storage)` likewise, updated as `ingest_audit` is written.
    """
    staged = stage_arrival(storage, arrival, catalog, work_dir, memory_limit)
    return finish_arrival(storage, staged, ip_key, arrivals, deliveries)


def stage_arrival(storage: Storage, arrival: date, catalog: pa.Table, work_dir: str | None = None,
                  memory_limit: str = "2GB") -> StagedArrival:
    """The first half of `ingest_arrival`: read, parse and check every line of the arrival. It
    depends on no other arrival, so a run can stage the next arrival while it finishes this one."""
    files = landing_files(storage, arrival)
    # staged lines hold clear IPs: they stay in the root's staging area (lib/scratch.py), never in /tmp
    tmp = tempfile.mkdtemp(prefix="ingest-", dir=work_dir) if work_dir else scratch.work_dir(storage, "ingest-")
    con = None
    try:
        con = duck.connect()  # in memory; spills to `tmp` beyond the memory limit
        con.execute(f"SET temp_directory = {duck.sql_string(tmp + '/spill')}")
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = {duck.sql_string(memory_limit)}")
        con.execute("SET preserve_insertion_order = false")
        _small_table(con, "video_catalog", catalog)
        facts = _stage_lines(con, storage, arrival, files, f"{tmp}/staged.parquet")
        return StagedArrival(arrival, facts, con, tmp)
    except BaseException:
        if con is not None:
            con.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def finish_arrival(storage: Storage, staged: StagedArrival, ip_key: bytes,
                   arrivals: dict[date, list[date]] | None = None,
                   deliveries: Deliveries | None = None) -> ArrivalResult:
    """The second half of `ingest_arrival`: drop duplicates against earlier arrivals, write
    everything the arrival holds; closes `staged`. Arrivals are finished in order."""
    arrival, facts, con = staged.arrival, staged.facts, staged.con
    try:
        per_day = _earlier_ids(con, storage, arrival, arrivals)
        _lookups(con, ip_key)
        con.execute(f"CREATE TEMP TABLE arrival_duplicates AS {duck.load_sql('ingest/arrival_duplicates')}")
        params = {"arrival": arrival}

        local_files = _write_events_by_day(con, storage, arrival, per_day)
        quarantine = _quarantine_table(con, arrival, facts, ip_key)
        written = ", ".join(duck.sql_string(p) for p in local_files.values())
        con.execute(
            f"CREATE TEMP VIEW written AS SELECT source_file, event_date, unknown_video FROM read_parquet([{written}])"
            if local_files else "CREATE TEMP VIEW written AS SELECT ''::VARCHAR AS source_file, NULL::DATE AS event_date, "
                                "false AS unknown_video WHERE false"
        )
        per_file = {r[0]: r[1:] for r in con.execute(duck.load_sql("ingest/arrival_audit"), params).fetchall()}
        event_days = con.sql(duck.load_sql("ingest/arrival_event_days"), params=params).to_arrow_table()
        event_days = event_days.cast(schemas.ARRIVAL_EVENT_DAYS)
        con.close()
        audit = audit_table(storage, arrival, facts, per_file, deliveries)

        # Staged events first, the audit last: an audit partition means the arrival is complete.
        publish_staged(storage, arrival, local_files)
        storage.write_partition("events_quarantine", arrival, quarantine.drop_columns([]))
        storage.write_partition("arrival_event_days", arrival, event_days)
        if arrivals is not None:
            record_arrival(arrivals, arrival, event_days.column("event_date").to_pylist())
        storage.write_partition("ingest_audit", arrival, audit)
        if deliveries is not None:
            record_deliveries(deliveries, arrival, audit)
        totals = [sum(audit.column(k).to_pylist()) for k in ("accepted", "duplicates", "quarantined", "lines_read")]
        return ArrivalResult(arrival, audit, quarantine, event_days, *totals)
    finally:
        staged.close()
