"""`analytics-pipeline erase --viewer-id ID | --user-id ID`: remove one person everywhere, rebuild, log it."""

from __future__ import annotations

import sys
from datetime import date, timedelta

from analytics_pipeline.errors import UsageError
from analytics_pipeline.lib import erasure
from analytics_pipeline.lib.ingest.arrival import landing_complete
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import Settings

INGEST_KEYS = ["event_arrivals", "events_quarantine", "ingest_audit", "arrival_event_days"]


def add_parser(subparsers) -> None:
    e = subparsers.add_parser("erase", help="erase one person's data from landing, lake and warehouse (idempotent)")
    who = e.add_mutually_exclusive_group(required=True)
    who.add_argument("--viewer-id", help="the anonymous viewer id to erase")
    who.add_argument("--user-id", help="the account id to erase")
    e.set_defaults(func=cmd_erase)


def erase(settings: Settings, kind: str, subject_id: str, progress=lambda msg: None) -> dict:
    """Erase `subject_id` (kind "viewer" or "user"); returns what was found and rebuilt."""
    from analytics_pipeline.cli import _graph_extras
    from analytics_pipeline.runner import Runner

    if not subject_id or not subject_id.strip():
        raise UsageError("the id to erase is empty")
    storage = Storage.from_settings(settings)
    fp = erasure.find_footprint(storage, kind, subject_id)
    summary = {"landing_files": len(fp.landing_files), "staged_events": fp.staged_events,
               "quarantine_rows": fp.quarantine_rows, "rebuilt_days": []}
    if fp.empty:
        logged = erasure.record_erasure(storage, settings.ip_hash_key, kind, subject_id, fp, 0)
        summary["logged"] = logged
        return summary
    progress(f"found {len(fp.landing_files)} landing files, {fp.staged_events} staged events, "
             f"{fp.quarantine_rows} quarantine rows")
    lines = erasure.rewrite_landing(storage, fp, kind, subject_id)
    runner = Runner(settings, progress=progress)
    arrivals = sorted(d for d in fp.arrival_days if settings.start_date <= d)
    # an arrival never ingested needs only its landing rewritten
    in_lake = [a for a in arrivals if a in fp.staged or a in fp.quarantine_days
               or storage.exists(storage.partition_file("ingest_audit", a))]
    again = [a for a in in_lake if landing_complete(storage, a)]
    for arrival in sorted(set(in_lake) - set(again)):
        erasure.filter_arrival_in_place(storage, arrival, kind, subject_id)
    if again:
        runner.run_phase("re-ingest", INGEST_KEYS, again, per_day=True)
    first, today = settings.start_date, date.today()
    event_days = sorted(d for d in fp.event_days | fp.derived_days if first <= d <= today)
    if event_days:
        view_days = sorted({x for d in event_days for x in (d - timedelta(days=1), d) if x >= first})
        runner.run_phase("events", ["events"], event_days)
        runner.run_phase("sessions", ["playback_sessions", "played_ranges"], view_days)
        runner.run_phase("marts", _graph_extras()["mart_keys"], runner.chained_days(view_days))
        summary["rebuilt_days"] = [d.isoformat() for d in view_days]
    runner.run_phase("warehouse", ["warehouse"], None)
    summary["landing_lines"] = lines
    summary["logged"] = erasure.record_erasure(storage, settings.ip_hash_key, kind, subject_id, fp, lines)
    return summary


def cmd_erase(args, settings: Settings) -> int:
    kind, subject_id = ("viewer", args.viewer_id) if args.viewer_id is not None else ("user", args.user_id)
    summary = erase(settings, kind, subject_id, progress=lambda m: print(m, file=sys.stderr))
    if not summary["landing_files"] and not summary["staged_events"] and not summary["quarantine_rows"] and not summary["rebuilt_days"]:
        print(f"erase: nothing left of that {kind} id (already erased or never seen)")
    else:
        print(f"erase: removed {summary.get('landing_lines', 0)} landing lines from {summary['landing_files']} files, "
              f"{summary['staged_events']} staged events, {summary['quarantine_rows']} quarantine rows; "
              f"rebuilt {len(summary['rebuilt_days'])} days and the warehouse")
    return 0
