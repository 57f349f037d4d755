"""`analytics-pipeline`: demo, generate, materialize, erase, retention, query and report from a terminal.

Each command parses its arguments, reads the settings once and calls the runner (runner.py);
the output is the command's summary. Exit codes: 0 success, 1 a failed step, 2 bad arguments or
missing inputs.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

from analytics_pipeline.errors import UsageError
from analytics_pipeline.settings import Settings, load_settings

DEMO_DAYS = 7
DATES = "Dates are UTC event days, YYYY-MM-DD, both ends included."


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _today() -> date:
    from analytics_pipeline.runner import today_utc

    return today_utc()


def check_range(settings: Settings, start: date, end: date) -> None:
    if end < start:
        raise UsageError(f"--end {end} is before --start {start}")
    if start < settings.start_date:
        raise UsageError(f"--start {start} is before the first partition {settings.start_date} (ANALYTICS_START_DATE)")
    if end > _today():
        raise UsageError(f"--end {end} is in the future (today is {_today()} UTC)")


def _runner(settings: Settings, args):
    from analytics_pipeline.progress import Progress
    from analytics_pipeline.runner import Runner

    return Runner(settings, progress=Progress(), verbose=getattr(args, "verbose", False))


def _print_build(settings: Settings, report) -> None:
    from analytics_pipeline.lib.storage import Storage
    from analytics_pipeline.lib.summary import flagged_reconciliations, ingestion_summary

    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not report.arrivals:
        return
    days = f"{report.days[0]}..{report.days[-1]}"
    other = ", ".join(d.isoformat() for d in report.other_days) or "none"
    print(f"materialized {days}; other event days rebuilt for events that arrived in this range: {other}")
    storage = Storage.from_settings(settings)
    s = ingestion_summary(storage, report.arrivals)
    print(f"ingested {s['files']} files: {s['lines_read']:,} lines = {s['accepted']:,} accepted + "
          f"{s['duplicates']:,} duplicates + {s['quarantined']:,} quarantined; {s['late_events']:,} late events")
    for name, problem in s["problem_files"][:10]:
        print(f"  {name}: {problem}")
    if len(s["problem_files"]) > 10:
        print(f"  ... and {len(s['problem_files']) - 10} more files (see ingest_audit)")
    if s["quarantined"]:
        print("  quarantined lines and why: SELECT reason, count(*) FROM events_quarantine GROUP BY 1")
    flagged = flagged_reconciliations(storage, report.days)
    if flagged:
        print(f"provider figures: {flagged} video-days differ from ours by more than the threshold "
              "(provider_reconciliation_daily.flagged)")
    for check in report.failed_checks:
        print(f"check failed: {check}")
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.timings.items()))
    print(f"warehouse: {settings.warehouse_path}")


def cmd_materialize(args, settings: Settings) -> int:
    check_range(settings, args.start, args.end)
    from analytics_pipeline.lib.storage import Storage

    if not Storage.from_settings(settings).is_dir("landing"):
        raise UsageError(f"no landing folder under {settings.data_root} (set --data-root or run `generate`)")
    runner = _runner(settings, args)
    report = runner.materialize(args.start, args.end)
    runner.progress.done()
    _print_build(settings, report)
    return 0


def cmd_generate(args, settings: Settings) -> int:
    from analytics_pipeline.lib.generator import generate
    from analytics_pipeline.lib.storage import Storage

    end = args.end or _today()
    start = args.start or end - timedelta(days=args.days - 1)
    if end < start:
        raise UsageError(f"--end {end} is before --start {start}")
    gz = {"gzip": True, "plain": False, "mixed": None}[args.compression]
    summary = generate(Storage.from_settings(settings), start, end, args.events_per_day, seed=args.seed, gzip=gz,
                       files_per_day=args.files_per_day)
    print(f"generated {start}..{end} into {settings.data_root}/landing: {summary}")
    return 0


def cmd_demo(args, settings: Settings) -> int:
    from analytics_pipeline.lib.generator import generate
    from analytics_pipeline.lib.storage import Storage
    from analytics_pipeline.lib.summary import demo_report

    end = _today()
    start = end - timedelta(days=DEMO_DAYS - 1)
    runner = _runner(settings, args)
    runner.progress.note(f"generating {args.events_per_day:,} events a day for {start}..{end} under {settings.data_root}")
    generate(Storage.from_settings(settings), start, end, args.events_per_day, seed=args.seed)
    report = runner.materialize(start, end)
    runner.progress.done()
    _print_build(settings, report)
    for line in demo_report(settings.warehouse_path, end - timedelta(days=1)):  # the last complete day
        print(line)
    print('try: analytics-pipeline query "SELECT * FROM popular_videos(current_date - 7, current_date, 10)"')
    print("     dagster dev   (then open http://127.0.0.1:3000: the runs and partitions above are there)")
    return 0


def cmd_erase(args, settings: Settings) -> int:
    kind, subject_id = ("viewer", args.viewer_id) if args.viewer_id is not None else ("user", args.user_id)
    if not subject_id.strip():
        raise UsageError("the id to erase is empty")
    runner = _runner(settings, args)
    summary = runner.erase(kind, subject_id)
    runner.progress.done()
    for name, fault in summary["unreadable_files"].items():
        print(f"erase: skipped unreadable landing file {name} ({fault}): no line of it can be read, so it holds no "
              "readable person data (ingestion quarantined it as a bad file)")
    for name, fault in summary["partly_read_files"].items():
        print(f"erase: {name} is readable only up to a fault ({fault}): the person's lines were removed from the "
              "readable part, and the fault kept")
    if not any(summary[k] for k in ("landing_files", "staged_events", "quarantine_rows", "rebuilt_days")):
        print(f"erase: nothing left of that {kind} id (already erased or never seen)")
    else:
        print(f"erase: removed {summary.get('landing_lines', 0)} landing lines from {summary['landing_files']} files, "
              f"{summary['staged_events']} staged events, {summary['quarantine_rows']} quarantine rows; "
              f"rebuilt {len(summary['rebuilt_days'])} days and the warehouse")
    if summary.get("kept_days"):
        removed = ", ".join(f"{n} {table}" for table, n in summary["kept_rows_removed"].items()) or "no rows"
        print(f"erase: {len(summary['kept_days'])} days retention froze were not rebuilt ({', '.join(summary['kept_days'])}): "
              f"removed {removed} of the person from them; their {', '.join(summary['kept_anonymous_marts'])} "
              "keep the person only as anonymous counts")
    return 0


def cmd_retention(args, settings: Settings) -> int:
    from datetime import datetime, timezone

    from analytics_pipeline.defs.automation.retention import trim_run_history
    from analytics_pipeline.instance import instance_for
    from analytics_pipeline.lib.retention import frozen_by, run_retention
    from analytics_pipeline.lib.storage import Storage

    storage = Storage.from_settings(settings)
    if not (storage.is_dir("landing") or storage.is_dir("lake")):
        raise UsageError(f"no landing or lake folder under {settings.data_root} (set --data-root)")
    policy, now = settings.retention, datetime.now(timezone.utc)
    verb = "would delete" if args.dry_run else "deleted"
    report = run_retention(storage, policy, now, args.dry_run)
    for item in report.planned if args.dry_run else report.removed:
        print(f"{verb} {item.path}: {item.reason}")
    runs = trim_run_history(instance_for(settings), policy.run_history_days, now, args.dry_run)
    counts = {**report.summary(), "dagster_runs": len(runs)}
    frozen = frozen_by(report.planned)
    print(f"retention{' (dry run)' if args.dry_run else ''}: {verb} " + ", ".join(f"{n} {k}" for k, n in counts.items())
          + (f"; {'would freeze' if args.dry_run else 'froze'} {len(frozen)} event days ({frozen[0]}..{frozen[-1]}): "
             "their marts are kept as they are" if frozen else ""))
    return 0


def cmd_query(args, settings: Settings) -> int:
    from analytics_pipeline.lib.storage import Storage
    from analytics_pipeline.query import run_query

    if not Path(settings.warehouse_path).exists():
        raise UsageError(f"no warehouse at {settings.warehouse_path}: run `analytics-pipeline materialize` first")
    if args.output and not Path(args.output).resolve().parent.is_dir():
        raise UsageError(f"--output {args.output}: its folder does not exist")
    return run_query(settings.warehouse_path, args.sql, args.format, args.output, args.limit,
                     Storage.from_settings(settings))


def cmd_report(args, settings: Settings) -> int:
    check_range(settings, args.start, args.end)
    from analytics_pipeline.report import write_report

    summary = write_report(settings, args.start, args.end, args.output)
    pages = ", ".join(f"{n} {kind}" for kind, n in summary.pages.items())
    print(f"report {args.start}..{args.end}: {pages} pages in {summary.seconds:.1f}s")
    print(f"open: {summary.index.as_uri()}")
    return 0


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a flag's default, unless it has none or its help already says it."""

    def _get_help_string(self, action):
        if action.default is None or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    fmt = _Help
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-root", metavar="DIR_OR_S3_URI",
                        help="where landing/, lake/ and warehouse/ live (default: $ANALYTICS_DATA_ROOT, else data/)")
    build = argparse.ArgumentParser(add_help=False)
    build.add_argument("--verbose", action="store_true", help="show Dagster's own log lines while assets run")

    p = argparse.ArgumentParser(prog="analytics-pipeline", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    d = sub.add_parser("demo", parents=[common, build], formatter_class=fmt,
                       help="generate the last 7 days of sample data, build everything, print a summary",
                       description="Generate sample data for the last 7 days (today included), build every asset, "
                                   "and print where the results are and a short report of the last complete day.")
    d.add_argument("--events-per-day", type=_positive, default=20_000, help="sample events a day")
    d.add_argument("--seed", type=int, default=7, help="random seed of the sample data")
    d.set_defaults(func=cmd_demo)

    g = sub.add_parser("generate", parents=[common], formatter_class=fmt, help="write realistic sample landing data",
                       description="Write sample landing files under landing/events/<arrival day>/. " + DATES)
    g.add_argument("--start", type=_day, help="first day (default: --days before --end)")
    g.add_argument("--end", type=_day, help="last day (default: today, UTC)")
    g.add_argument("--days", type=_positive, default=7, help="without --start: this many days ending --end")
    g.add_argument("--events-per-day", type=_positive, default=20_000, help="events a day")
    g.add_argument("--files-per-day", type=_positive, default=4, help="landing files a day")
    g.add_argument("--seed", type=int, default=7, help="random seed")
    g.add_argument("--compression", choices=["mixed", "gzip", "plain"], default="mixed", help="landing file format")
    g.set_defaults(func=cmd_generate)

    m = sub.add_parser("materialize", parents=[common, build], formatter_class=fmt,
                       help="(re)build every asset for a date range, idempotently",
                       description="Ingest the arrival days START..END, rebuild the event days they touched (late "
                                   "data included), their views and marts, the later days whose counters carry on, "
                                   "the providers, and the warehouse. " + DATES)
    m.add_argument("--start", type=_day, required=True, help="first day")
    m.add_argument("--end", type=_day, required=True, help="last day")
    m.set_defaults(func=cmd_materialize)

    e = sub.add_parser("erase", parents=[common, build], formatter_class=fmt,
                       help="erase one person from landing, lake and warehouse (idempotent)",
                       description="Remove one viewer's or user's lines and rows everywhere, rebuild the days that "
                                   "held them, and log a keyed hash of the id (never the id).")
    who = e.add_mutually_exclusive_group(required=True)
    who.add_argument("--viewer-id", help="the anonymous viewer id to erase")
    who.add_argument("--user-id", help="the account id to erase")
    e.set_defaults(func=cmd_erase)

    r = sub.add_parser("retention", parents=[common], formatter_class=fmt,
                       help="delete what the data-retention policy says may go (the `retention` job's policy)",
                       description="Delete landing files, quarantine rows, events and views, temporary files and "
                                   "Dagster run history past the ANALYTICS_RETENTION_* ages (defaults: landing 90, "
                                   "quarantine 30, events 730, run history 90 days). Marts are kept; the event days "
                                   "whose events go are frozen: no later rebuild rewrites their figures.")
    r.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    r.set_defaults(func=cmd_retention)

    q = sub.add_parser("query", parents=[common], formatter_class=fmt, help="read-only SQL against the warehouse",
                       description="Run read-only SQL against the warehouse; print a table or export the result.")
    q.add_argument("sql", help='the SQL, e.g. "SELECT * FROM video_stats(\'2026-11-01\', \'2026-11-07\')"')
    q.add_argument("--format", choices=["table", "csv", "json", "parquet"], default="table", help="output format")
    q.add_argument("--output", help="file to write (required for parquet; default: standard output)")
    q.add_argument("--limit", type=_positive, default=50, help="rows shown in table format")
    q.set_defaults(func=cmd_query)

    r = sub.add_parser("report", parents=[common], formatter_class=fmt, help="write the static HTML report site",
                       description="Write a static HTML site for a date range from the warehouse: the platform "
                                   "overview (index.html, with the change vs the previous range of equal length), "
                                   "and a page per video, course and creator, with each table as CSV beside it. It "
                                   "works offline from file://. " + DATES)
    r.add_argument("--start", type=_day, required=True, help="first day")
    r.add_argument("--end", type=_day, required=True, help="last day")
    r.add_argument("--output", required=True, help="folder to write the site into (replaced if it exists)")
    r.set_defaults(func=cmd_report)
    return p


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # a stop request ends the command like Ctrl-C
    try:
        settings = load_settings(data_root=args.data_root)
        return args.func(args, settings)
    except UsageError as exc:
        print(f"analytics-pipeline: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("analytics-pipeline: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line, not a traceback: the run's own log has the details
        from analytics_pipeline.runner import RunFailed

        kind = "" if isinstance(exc, RunFailed) else f"{type(exc).__name__}: "
        first = (str(exc).strip().splitlines() or [""])[0]
        print(f"analytics-pipeline: {kind}{first}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
