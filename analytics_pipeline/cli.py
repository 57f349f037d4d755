"""`analytics-pipeline`: demo, generate, materialize and query from a terminal."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, datetime, timedelta, timezone

from analytics_pipeline.settings import Settings, load_settings


from analytics_pipeline.errors import UsageError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _today() -> date:
    return datetime.now(timezone.utc).date()


def check_range(settings: Settings, start: date, end: date) -> None:
    if end < start:
        raise UsageError(f"--end {end} is before --start {start}")
    if start < settings.start_date:
        raise UsageError(f"--start {start} is before the first partition {settings.start_date} (ANALYTICS_START_DATE)")
    if end > _today():
        raise UsageError(f"--end {end} is in the future (today is {_today()} UTC)")


class Progress:
    """One updating line on a terminal; plain lines otherwise."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        line = f"[{elapsed:6.1f}s] {message}"
        if self.tty:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _runner(settings: Settings, progress):
    from analytics_pipeline.runner import Runner

    return Runner(settings, progress=progress)


def cmd_materialize(args, settings: Settings) -> int:
    check_range(settings, args.start, args.end)
    from analytics_pipeline.lib.storage import Storage

    storage = Storage.from_settings(settings)
    if not storage.is_dir("landing"):
        raise UsageError(f"no landing folder at {storage.uri('landing')} (set ANALYTICS_DATA_ROOT or run `generate`)")
    progress = Progress()
    summary = _runner(settings, progress).materialize(args.start, args.end, **_graph_extras())
    progress.done()
    late = ", ".join(d.isoformat() for d in summary["late_days"]) or "none"
    print(f"materialized {args.start}..{args.end}; earlier days rebuilt for late events: {late}")
    print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in summary["timings"].items()))
    print(f"warehouse: {settings.warehouse_path}")
    return 0


def _graph_extras() -> dict:
    from analytics_pipeline import definitions

    return {"mart_keys": definitions.MART_KEYS, "extra_phases": definitions.EXTRA_PHASES}


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
    from analytics_pipeline.demo import run_demo

    return run_demo(settings, args.events_per_day, args.seed, _today())


def cmd_query(args, settings: Settings) -> int:
    from analytics_pipeline.query import run_query

    if not os.path.exists(settings.warehouse_path):
        raise UsageError(f"no warehouse at {settings.warehouse_path}: run `analytics-pipeline materialize` first")
    return run_query(settings.warehouse_path, args.sql, args.format, args.output, args.limit)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="analytics-pipeline", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="generate the last 7 days of sample data, build everything, print a summary")
    d.add_argument("--events-per-day", type=int, default=20_000)
    d.add_argument("--seed", type=int, default=7)
    d.set_defaults(func=cmd_demo)

    g = sub.add_parser("generate", help="write realistic sample landing data")
    g.add_argument("--start", type=_day)
    g.add_argument("--end", type=_day)
    g.add_argument("--days", type=int, default=7, help="with no --start: this many days ending --end (default today)")
    g.add_argument("--events-per-day", type=int, default=20_000)
    g.add_argument("--files-per-day", type=int, default=4)
    g.add_argument("--seed", type=int, default=7)
    g.add_argument("--compression", choices=["mixed", "gzip", "plain"], default="mixed")
    g.set_defaults(func=cmd_generate)

    m = sub.add_parser("materialize", help="(re)build every asset for a date range")
    m.add_argument("--start", type=_day, required=True)
    m.add_argument("--end", type=_day, required=True)
    m.set_defaults(func=cmd_materialize)

    q = sub.add_parser("query", help="read-only SQL against the warehouse")
    q.add_argument("sql")
    q.add_argument("--format", choices=["table", "csv", "json", "parquet"], default="table")
    q.add_argument("--output", help="file to write (required for parquet)")
    q.add_argument("--limit", type=int, default=50, help="rows shown in table format")
    q.set_defaults(func=cmd_query)

    from analytics_pipeline import erase

    erase.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
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
