"""The data-retention policy: what may go, decided from the lake's own records, and going.

Rules (defaults, each settable with an `ANALYTICS_RETENTION_*` variable):
- a landing event file goes `landing_days` after it was ingested. "Ingested" is read from
  `ingest_audit`: the file must be listed there with the size it has now, and the time is the
  audit partition's write time (a re-ingest restarts the clock). A file not audited never goes.
- `events_quarantine` partitions go `quarantine_days` after their arrival day;
- `events` and the per-event tables derived from it go `events_days` after their day; a staged
  `event_arrivals` partition only once every event day it holds is past that age;
- marts, `ingest_audit` and `arrival_event_days` are kept; the event days whose events or views
  go are recorded first as frozen (`lib/frozen.py`): no rebuild rewrites their marts afterwards;
- temporary files an interrupted write left in `.staging/` go after `staging_hours`.

`plan_retention` only reads; `apply_retention` deletes what a plan lists. Each deletion is one
file or one partition and re-checking its rule is cheap, so an interrupted run is finished by
running again: what went stays gone and what is left is planned again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.frozen import FREEZING_TABLES, record_frozen_days
from analytics_pipeline.lib.storage import Storage

LANDING_EVENTS = "landing/events"
EVENT_TABLES = ("events", "event_arrivals", "playback_sessions", "played_ranges", "quality_changes")
ENV = {
    "landing_days": "ANALYTICS_RETENTION_LANDING_DAYS",
    "quarantine_days": "ANALYTICS_RETENTION_QUARANTINE_DAYS",
    "events_days": "ANALYTICS_RETENTION_EVENTS_DAYS",
    "run_history_days": "ANALYTICS_RETENTION_RUN_HISTORY_DAYS",
}


@dataclass(frozen=True)
class RetentionPolicy:
    landing_days: int = 90
    quarantine_days: int = 30
    events_days: int = 730
    run_history_days: int = 90  # Dagster's own run and event history
    staging_hours: int = 6  # temporary files of writes that never finished (Storage.clean_staging)
    event_tables: tuple[str, ...] = EVENT_TABLES

    @classmethod
    def from_settings_extra(cls, env, **overrides) -> "RetentionPolicy":
        """The policy of the `ANALYTICS_RETENTION_*` variables in `env`, with one-off overrides."""
        values = {name: int(env[var]) for name, var in ENV.items() if env.get(var)}
        return cls().with_overrides(**values, **overrides)

    def with_overrides(self, **overrides) -> "RetentionPolicy":
        """This policy with the given numbers of days changed (None keeps a number)."""
        policy = replace(self, **{k: v for k, v in overrides.items() if v is not None})
        for name in ENV:
            if getattr(policy, name) < 1:
                raise ValueError(f"retention {name} must be at least 1 day, got {getattr(policy, name)}")
        return policy


@dataclass(frozen=True)
class Removal:
    kind: str  # "landing_file", "partition" or "staging_file"
    path: str  # relative to the data root
    reason: str


@dataclass
class RetentionReport:
    planned: list[Removal] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.removed or self.planned:
            key = {"landing_file": "landing_files", "staging_file": "staging_files"}.get(r.kind) or r.path.split("/")[1]
            out[key] = out.get(key, 0) + 1
        return out


def ingested_files(storage: Storage) -> dict[str, tuple[datetime, int]]:
    """Landing path -> (when its arrival was last ingested, size it had then), from ingest_audit."""
    written = {
        e.path.rsplit("/", 2)[-2][len("date="):]: e.mtime
        for e in storage.list_files("lake/ingest_audit", recursive=True)
        if e.path.endswith("/data.parquet") and e.mtime is not None
    }
    con = duck.connect()
    duck.register_partitions(con, "audit", storage, "ingest_audit", storage.partition_days("ingest_audit"), schemas.INGEST_AUDIT)
    rows = con.sql("SELECT CAST(date AS VARCHAR), source_file, file_bytes FROM audit").fetchall()
    con.close()
    out: dict[str, tuple[datetime, int]] = {}
    for day, path, size in rows:
        if day not in written:
            continue
        at = datetime.fromtimestamp(written[day], timezone.utc)
        if path not in out or at > out[path][0]:
            out[path] = (at, size)
    return out


def _landing_removals(storage: Storage, policy: RetentionPolicy, now: datetime) -> list[Removal]:
    cutoff = now - timedelta(days=policy.landing_days)
    audited = ingested_files(storage)
    out = []
    for entry in storage.list_files(LANDING_EVENTS, recursive=True):
        known = audited.get(entry.path)
        if known is None or known[1] != entry.size:  # never ingested, or changed since
            continue
        if known[0] < cutoff:
            out.append(Removal("landing_file", entry.path, f"ingested {known[0]:%Y-%m-%d %H:%M} UTC, over {policy.landing_days} days ago"))
    return out


def _old_partitions(storage: Storage, table: str, cutoff: date, days_kept: int) -> list[Removal]:
    return [
        Removal("partition", storage.partition_dir(table, d), f"{d} is older than {days_kept} days")
        for d in storage.partition_days(table) if d < cutoff
    ]


def _staged_removals(storage: Storage, cutoff: date, days_kept: int) -> list[Removal]:
    """event_arrivals partitions whose newest event day is past the cutoff too (clock skew: an arrival can hold the next day)."""
    arrivals = [d for d in storage.partition_days("event_arrivals") if d < cutoff]
    con = duck.connect()
    duck.register_partitions(con, "touched", storage, "arrival_event_days", arrivals, schemas.ARRIVAL_EVENT_DAYS)
    newest = dict(con.sql("SELECT date, max(event_date) FROM touched GROUP BY date").fetchall())
    con.close()
    return [
        Removal("partition", storage.partition_dir("event_arrivals", a), f"arrival {a} holds only events older than {days_kept} days")
        for a in arrivals if newest.get(a, a) < cutoff
    ]


def _staging_removals(storage: Storage, policy: RetentionPolicy) -> list[Removal]:
    # the wall clock, not `now`: a writer's temporary file is recent by the clock it was written by
    return [Removal("staging_file", e.path, f"temporary file of an unfinished write, over {policy.staging_hours} hours old")
            for e in storage.stale_staging_files(policy.staging_hours * 3600)]


def frozen_by(plan: list[Removal]) -> list[date]:
    """The event days whose events or views `plan` deletes."""
    days = set()
    for r in plan:
        parts = r.path.split("/")
        if r.kind == "partition" and parts[1] in FREEZING_TABLES and parts[2].startswith("date="):
            days.add(date.fromisoformat(parts[2][len("date="):]))
    return sorted(days)


def plan_retention(storage: Storage, policy: RetentionPolicy, now: datetime) -> list[Removal]:
    """Everything the policy says may go as of `now` (UTC); reads only."""
    today = now.astimezone(timezone.utc).date()
    plan = _landing_removals(storage, policy, now)
    plan += _old_partitions(storage, "events_quarantine", today - timedelta(days=policy.quarantine_days), policy.quarantine_days)
    events_cutoff = today - timedelta(days=policy.events_days)
    for table in policy.event_tables:
        if table == "event_arrivals":
            plan += _staged_removals(storage, events_cutoff, policy.events_days)
        else:
            plan += _old_partitions(storage, table, events_cutoff, policy.events_days)
    return plan + _staging_removals(storage, policy)


def apply_retention(storage: Storage, plan: list[Removal], on_removed=None, now: datetime | None = None) -> list[Removal]:
    """Delete what `plan` lists (idempotent: what is already gone counts as gone), after
    recording the event days it freezes."""
    record_frozen_days(storage, frozen_by(plan), now or datetime.now(timezone.utc))
    removed = []
    emptied_dirs = set()
    staging = {item.path for item in plan if item.kind == "staging_file"}
    if staging:
        storage.clean_staging(0, only=staging)
    for item in plan:
        if item.kind == "staging_file":
            pass
        elif item.kind == "landing_file":
            storage.delete_file(item.path)
            emptied_dirs.add(item.path.rsplit("/", 1)[0])
        else:
            storage.delete_dir(item.path)
        removed.append(item)
        if on_removed:
            on_removed(item)
    for folder in sorted(emptied_dirs):
        if not storage.remote and storage.is_dir(folder) and not storage.list_files(folder, recursive=True):
            storage.delete_dir(folder)
    return removed


def run_retention(storage: Storage, policy: RetentionPolicy, now: datetime, dry_run: bool, on_removed=None) -> RetentionReport:
    plan = plan_retention(storage, policy, now)
    report = RetentionReport(planned=plan)
    if not dry_run:
        report.removed = apply_retention(storage, plan, on_removed, now)
    return report
