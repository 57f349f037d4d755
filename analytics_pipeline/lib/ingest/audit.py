"""The `ingest_audit` rows of an arrival: per landing file, its lines and where they went."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.storage import Storage


# arrival -> (source_file, file_sha256) of each file its audit holds, in the audit's row order
Deliveries = dict[date, list[tuple[str, str | None]]]


def audited_deliveries(storage: Storage, names: list[str] | None = None) -> Deliveries:
    """The audited files (only those with the base name of one of `names`, when given), by arrival.

    One DuckDB scan of the audit's partitions: a year of arrivals is 365 files and 12 k rows, which
    read one by one into Python took 0.34 s an arrival. A run over many arrivals reads them once and
    keeps the mapping current (`record_deliveries`): the scan grows with the history (0.14 s an
    arrival after a year).
    """
    files = storage.existing_partition_files("ingest_audit", storage.partition_days("ingest_audit"))
    wanted = sorted({_base_name(n) for n in names}) if names is not None else None
    if not files or wanted == []:
        return {}
    paths = [storage.uri(f) for f in files]
    where, params = "", {"paths": paths}
    if wanted is not None:
        where, params["wanted"] = "WHERE regexp_extract(source_file, '[^/]*$') IN (SELECT unnest($wanted))", wanted
    with duck.connect(storage=storage) as con:
        rows = con.execute(
            f"""SELECT arrival_date, source_file, file_sha256
                FROM read_parquet([{', '.join(duck.sql_string(p) for p in paths)}], union_by_name = true,
                                  filename = true, file_row_number = true)
                {where}
                ORDER BY list_position($paths, filename), file_row_number""",
            params,
        ).fetchall()
    out: Deliveries = {}
    for arrival, path, sha in rows:
        out.setdefault(arrival, []).append((path, sha))
    return out


def record_deliveries(deliveries: Deliveries, arrival: date, audit: pa.Table) -> None:
    """Update an `audited_deliveries` mapping in place with the audit just written for `arrival`."""
    deliveries[arrival] = list(zip(audit.column("source_file").to_pylist(), audit.column("file_sha256").to_pylist()))


def _previous_deliveries(deliveries: Deliveries, names: list[str]) -> dict[str, list[tuple[date, str, str]]]:
    """Earlier audited files with the base name of one of `names`: base name -> (arrival, path,
    sha256) in the order the audit holds them (by arrival, then row)."""
    wanted = {_base_name(n) for n in names}
    seen: dict[str, list[tuple[date, str, str]]] = {}
    for arrival in sorted(deliveries):
        for path, sha in deliveries[arrival]:
            if (base := _base_name(path)) in wanted:
                seen.setdefault(base, []).append((arrival, path, sha))
    return seen


def _base_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _redelivery_note(name: str, sha: str | None, arrival: date, seen) -> str | None:
    """A file whose content changed since it was last ingested, or a name an EARLIER arrival had.

    Only earlier arrivals count, so the note does not depend on the order days are (re)built in.
    """
    for prev_arrival, prev_path, prev_sha in seen.get(_base_name(name), []):
        if prev_path == name and prev_sha and sha and prev_sha != sha:
            return f"changed: {prev_path} had other content when it was last ingested"
        if prev_arrival < arrival:
            kind = "identical to" if prev_sha == sha else "same name as, other content than"
            return f"redelivery: {kind} {prev_path}"
    return None


def audit_table(storage: Storage, arrival: date, facts: dict[str, dict], per_file: dict[str, tuple],
                deliveries: Deliveries | None = None) -> pa.Table:
    """One row per landing file from the reader's `facts` and the counts of `arrival_audit.sql`;
    `deliveries`: the caller's `audited_deliveries`, read from the lake when not given."""
    names = list(facts)
    seen = _previous_deliveries(audited_deliveries(storage, names) if deliveries is None else deliveries, names)
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
