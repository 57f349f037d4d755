"""Which days a build touches: the date rules shared by the runner, erasure and the sensors."""

from __future__ import annotations

from datetime import date, timedelta

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.storage import Storage


def days_between(start: date, end: date) -> list[date]:
    """Every day from `start` to `end`, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def contiguous(days) -> list[tuple[date, date]]:
    """The days as (first, last) spans of consecutive days, in order."""
    spans: list[tuple[date, date]] = []
    for d in sorted(set(days)):
        if spans and d == spans[-1][1] + timedelta(days=1):
            spans[-1] = (spans[-1][0], d)
        else:
            spans.append((d, d))
    return spans


def with_day_before(days, first: date, last: date) -> list[date]:
    """The days plus the day before each, within [first, last].

    A view belongs to the day it started: new events on day D can change a view of D-1 that ran
    past midnight, so rebuilding D's events means rebuilding the views of D-1 and D.
    """
    return sorted({x for d in days for x in (d - timedelta(days=1), d) if first <= x <= last})


def chained_days(days: list[date], built: list[date]) -> list[date]:
    """The days whose marts to build so counters and progress stay one unbroken chain.

    Day D carries D-1's totals: rebuilding D means rebuilding every built day after it, and
    building D after a gap means building the gap's days first (from the last built day), so a
    day's totals never depend on which days happened to be built before it. Days after the last
    built day are not added: nothing carries on from them yet.
    """
    if not days:
        return []
    earlier = [d for d in built if d < min(days)]
    start = max(earlier) + timedelta(days=1) if earlier else min(days)
    end = max([max(days)] + [d for d in built if d > max(days)])
    return days_between(start, end)


def touched_event_days(storage: Storage, arrivals: list[date]) -> list[date]:
    """The event days the given arrival days brought events for (`arrival_event_days`)."""
    con = duck.connect()
    duck.register_partitions(con, "t", storage, "arrival_event_days", arrivals, schemas.ARRIVAL_EVENT_DAYS)
    return [r[0] for r in con.sql("SELECT DISTINCT event_date FROM t ORDER BY 1").fetchall()]


def arrivals_to_reingest(storage: Storage, ingested: list[date], event_days_before: list[date]) -> list[date]:
    """The arrivals to ingest again, in order, now that `ingested` were (re)ingested.

    An arrival drops as duplicates the ids EARLIER arrivals staged for its event days, and notes
    as redeliveries the file names earlier arrivals had. So (re)ingesting arrival A changes what
    an already ingested later arrival B should hold when B shares an event day (before or after
    A's ingestion: `event_days_before`) or a file name with A: B is ingested again. So is every
    arrival of `ingested` after the first such B, as it was ingested against B's old staging.
    Building arrivals in order (each after the ones before it) returns nothing.
    """
    if not ingested:
        return []
    first = min(ingested)
    later = [d for d in storage.partition_days("ingest_audit") if d > first and d not in ingested]
    if not later:
        return []
    changed_days = set(touched_event_days(storage, ingested)) | set(event_days_before)
    names = _audited_names(storage, ingested)
    sharing_days = set()
    if changed_days:
        con = duck.connect()
        duck.register_partitions(con, "t", storage, "arrival_event_days", later, schemas.ARRIVAL_EVENT_DAYS)
        sharing_days = {r[0] for r in con.execute(
            "SELECT DISTINCT arrival_date FROM t WHERE event_date IN (SELECT unnest($d))", {"d": sorted(changed_days)}
        ).fetchall()}
    stale = [d for d in later if d in sharing_days or _audited_names(storage, [d]) & names]
    if not stale:
        return []
    return sorted(set(stale) | {d for d in ingested if d > min(stale)})


def _audited_names(storage: Storage, arrivals: list[date]) -> set[str]:
    """The base names of the landing files the arrivals' audits list."""
    names = set()
    for table in storage.read_partitions("ingest_audit", arrivals, ["source_file"]):
        names |= {path.rsplit("/", 1)[-1] for path in table.column("source_file").to_pylist()}
    return names
