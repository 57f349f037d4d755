"""Benchmark: how long `analytics-pipeline report` takes (issue 19's targets).

- demo: `analytics-pipeline demo` (7 days up to today, the demo's own data), then the report over
  those 7 days; target under 30 s.
- range: `--days` days at `--events-per-day` (default 28 x 1,000,000), materialized once, report
  over the whole range; target under 2 minutes.

    python benchmarks/bench_report.py                  # both
    python benchmarks/bench_report.py --skip-range     # the demo only (a minute)

Results are printed and written to `benchmarks/results/report-<UTC time>.json`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import CLI, REPO, _fresh_home, generate, materialize, run_measured  # noqa: E402

END = date(2026, 6, 28)


def report(root: str, home: str, start: date, end: date, out: str) -> dict:
    run = run_measured([CLI, "report", "--data-root", root, "--start", start.isoformat(), "--end", end.isoformat(),
                        "--output", out], env={"DAGSTER_HOME": home, "ANALYTICS_DATA_ROOT": root})
    run["pages"] = sum(1 for _ in Path(out).rglob("*.html"))
    return run


def bench(days: int, per_day: int | None, target_s: float, keep: bool) -> dict:
    """`per_day` None: the demo's data and range (the last 7 days)."""
    base = tempfile.mkdtemp(prefix=f"report-{days}x{per_day or 'demo'}-")
    root, home = str(Path(base) / "data"), _fresh_home(base)
    end = datetime.now(timezone.utc).date() if per_day is None else END
    start = end - timedelta(days=days - 1)
    try:
        if per_day is None:
            gen = {"seconds": 0.0}
            built = run_measured([CLI, "demo", "--data-root", root], env={"DAGSTER_HOME": home, "ANALYTICS_DATA_ROOT": root})
            per_day = 20_000  # the demo's default
        else:
            gen = generate(root, start, end, per_day)
            built = materialize(root, home, start, end)
        run = report(root, home, start, end, str(Path(base) / "site"))
        met = "met" if run["seconds"] < target_s else "NOT met"
        print(f"  {days} days x {per_day:,} events: generated {gen['seconds']:.0f} s, materialized {built['seconds']:.0f} s; "
              f"report {run['seconds']:.1f} s for {run['pages']} pages, peak RSS {run['peak_rss_mib']} MiB "
              f"(target < {target_s:.0f} s: {met})", flush=True)
        return {"days": days, "events_per_day": per_day, "materialize_s": built["seconds"],
                "report_s": run["seconds"], "pages": run["pages"], "peak_rss_mib": run["peak_rss_mib"],
                "target_s": target_s, "met": run["seconds"] < target_s}
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=28, help="days of the range run")
    p.add_argument("--events-per-day", type=int, default=1_000_000, help="events a day of the range run")
    p.add_argument("--skip-range", action="store_true", help="the demo run only")
    p.add_argument("--keep", action="store_true", help="keep the generated data, lake and sites")
    args = p.parse_args()
    results = {"commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                        capture_output=True, text=True).stdout.strip(),
               "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    results["demo"] = bench(7, None, 30, args.keep)
    if not args.skip_range:
        results["range"] = bench(args.days, args.events_per_day, 120, args.keep)
    out = REPO / "benchmarks" / "results" / f"report-{results['measured_at'][:19].replace(':', '')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
