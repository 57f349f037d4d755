"""Benchmark: the whole `materialize` of a day against the bare DuckDB floor, at scale and over history.

Every figure is a ratio measured in one run on the same files (the VM's speed drifts by the hour):

- day N: `analytics-pipeline materialize` of one day of N gzip events (every asset, Dagster
  included) against the floor: one DuckDB statement that parses, deduplicates, sessionises and
  aggregates per video the same files. Peak RSS is the sum over the command's process tree,
  sampled every 50 ms.
- history: `--history-days K` builds days 1..7, day 8 alone, days 9..K-1, then day K alone, at
  `--history-events` a day: the backfill's time, and the newest day's cost against day 8's (a
  day's late events reach a few days back, so day 8 is the first like-for-like baseline). Day 8
  and day K are each built `--day-repeats` times in a row (every run after the first replaces
  what the first wrote) and compared by their fastest runs: a one-day run is 16 to 24 s, and the
  VM's hour moves single runs by a quarter. The backfill's time counts each day's first run.

    python benchmarks/bench_engine.py --events 10000000
    python benchmarks/bench_engine.py --events 10000000 50000000
    python benchmarks/bench_engine.py --history-days 365 --history-events 100000
    source .ci/postgres.sh && ci_postgres_start && python benchmarks/bench_engine.py --events 10000000 --postgres

`--postgres` adds the architecture the pipeline replaces (benchmarks/postgres_baseline.py): the
events as PostgreSQL rows and the cron job's refresh of a materialized view doing the floor's work.

Results are printed and written to `benchmarks/results/engine-<UTC time>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import psutil

import postgres_baseline
from floor_sql import READ_LANDING, VIEWS_PER_VIDEO

REPO = Path(__file__).resolve().parent.parent
DAY = date(2026, 6, 10)
CLI = str(Path(sys.executable).with_name("analytics-pipeline"))

# The floor: what any engine must at least do with these files, in one DuckDB statement.
FLOOR_SQL = f"""
WITH raw AS (
    SELECT * FROM {READ_LANDING}
), events AS (
    SELECT *, try_cast(occurred_at AS TIMESTAMPTZ) AS ts FROM raw
    WHERE event_id IS NOT NULL AND session_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY event_id) = 1
), gaps AS (
    SELECT *, coalesce(ts - lag(ts) OVER w > INTERVAL 60 MINUTE, false)::INT AS new_view,
        lag(event_type) OVER w AS prev_type, lag(position_s) OVER w AS prev_pos,
        epoch(ts - lag(ts) OVER w) AS wall_s
    FROM events WINDOW w AS (PARTITION BY session_id ORDER BY ts)
), {VIEWS_PER_VIDEO}
SELECT count(*) FROM per_video
"""


def run_measured(args: list[str], env: dict | None = None) -> dict:
    """Wall time and peak RSS (summed over the process tree) of one command.

    Its output goes to files, not pipes: a long range's progress lines filled a pipe nobody read
    until the end, and the command waited on it.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True, env={**os.environ, **(env or {})})
        root = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(_rss(p) for p in tree))
            except psutil.NoSuchProcess:
                pass
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed ({proc.returncode}):\n{stderr[-3000:]}\n{stdout[-2000:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(peak / 2**20), "stdout": stdout}


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def python(code: str) -> list[str]:
    return [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(REPO)!r}); " + code]


def generate(root: str, start: date, end: date, per_day: int) -> dict:
    code = ("import datetime as dt; from analytics_pipeline.lib.storage import Storage; "
            "from analytics_pipeline.lib.generator import generate; "
            f"generate(Storage({root!r}), dt.date.fromisoformat({start.isoformat()!r}), "
            f"dt.date.fromisoformat({end.isoformat()!r}), {per_day}, seed=3, gzip=True, files_per_day=8)")
    return run_measured(python(code))


def floor(root: str) -> dict:
    sql = FLOOR_SQL.format(root=root)
    code = f"import duckdb; c = duckdb.connect(); print('rows', c.execute({sql!r}).fetchone()[0])"
    return run_measured(python(code))


def materialize(root: str, home: str, start: date, end: date) -> dict:
    return run_measured([CLI, "materialize", "--data-root", root, "--start", start.isoformat(),
                         "--end", end.isoformat()], env={"DAGSTER_HOME": home, "ANALYTICS_DATA_ROOT": root})


def phase_timings(stdout: str) -> dict[str, float]:
    """The `timings:` line `materialize` prints: phase -> seconds."""
    line = next((l for l in stdout.splitlines() if l.startswith("timings: ")), "timings: ")
    return {name: float(secs.rstrip("s")) for name, secs in
            (part.rsplit(" ", 1) for part in line[len("timings: "):].split(", ") if part)}


def _fresh_home(base: str) -> str:
    home = Path(base) / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return str(home)


def postgres(root: str, floor_s: float, floor_rows: int) -> dict:
    if not postgres_baseline.available():
        print("  PostgreSQL baseline               skipped: no server (source .ci/postgres.sh; ci_postgres_start)")
        return {"skipped": "no server"}
    pg = postgres_baseline.run(root)
    if pg["rows"] != floor_rows:
        raise SystemExit(f"the PostgreSQL view has {pg['rows']} rows, the floor {floor_rows}: not the same work")
    for work_mem, refresh in pg["refresh"].items():
        refresh["vs_floor"] = round(refresh["refresh_s"] / floor_s, 2)
        print(f"  PostgreSQL refresh, work_mem {work_mem:<5} {refresh['refresh_s']:>7.1f} s  server peak RSS "
              f"{refresh['server_peak_rss_mib']:>6} MiB  => {refresh['vs_floor']:.2f}x the floor", flush=True)
    print(f"    (the load before them: {pg['load_s']:.1f} s)", flush=True)
    return pg


def bench_day(n: int, keep: bool, with_postgres: bool = False) -> dict:
    base = tempfile.mkdtemp(prefix=f"engine-{n}-")
    root = str(Path(base) / "data")
    try:
        gen = generate(root, DAY, DAY, n)
        print(f"  {n:>11,} events generated in {gen['seconds']:.1f} s", flush=True)
        low = floor(root)
        print(f"  floor statement                 {low['seconds']:>7.1f} s  peak RSS {low['peak_rss_mib']:>6} MiB", flush=True)
        floor_rows = int(low["stdout"].split()[-1])
        baseline = postgres(root, low["seconds"], floor_rows) if with_postgres else None
        run = materialize(root, _fresh_home(base), DAY, DAY)
        ratio = run["seconds"] / low["seconds"]
        phases = phase_timings(run["stdout"])
        print(f"  materialize (every asset)       {run['seconds']:>7.1f} s  peak RSS {run['peak_rss_mib']:>6} MiB"
              f"  => {ratio:.2f}x the floor", flush=True)
        print("    phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()), flush=True)
        return {"events": n, "floor_s": low["seconds"], "floor_peak_rss_mib": low["peak_rss_mib"],
                "materialize_s": run["seconds"], "materialize_peak_rss_mib": run["peak_rss_mib"],
                "vs_floor": round(ratio, 2), "phases_s": phases, **({"postgres": baseline} if baseline else {})}
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def repeated(root: str, home: str, day: date, times: int) -> list[dict]:
    """`times` one-day runs of `day` in a row: the first builds it, the others rebuild it."""
    return [materialize(root, home, day, day) for _ in range(times)]


def bench_history(days: int, per_day: int, keep: bool, day_repeats: int = 3) -> dict:
    """Days 1..7 as one range, day 8 alone, days 9..K-1 as one range, day K alone.

    A day's arrival also brings late events of the days before it (views past midnight, offline
    batches, retries: the generator's up to a few days), and building the day rebuilds those too.
    Day 8 is the first whose late events can reach as far back as any later day's: the
    like-for-like baseline of day K, so the ratio shows what the length of history adds.
    """
    base = tempfile.mkdtemp(prefix=f"engine-history-{days}-")
    root = str(Path(base) / "data")
    first = DAY - timedelta(days=days - 1)
    day8 = first + timedelta(days=7)
    try:
        gen = generate(root, first, DAY, per_day)
        print(f"  {days} days x {per_day:,} events generated in {gen['seconds']:.1f} s", flush=True)
        home = _fresh_home(base)
        runs = {"days 1..7": materialize(root, home, first, day8 - timedelta(days=1))}
        day_8_runs = repeated(root, home, day8, day_repeats)
        runs["day 8"] = day_8_runs[0]
        runs[f"days 9..{days - 1}"] = materialize(root, home, day8 + timedelta(days=1), DAY - timedelta(days=1))
        last_runs = repeated(root, home, DAY, day_repeats)
        runs[f"day {days}"] = last_runs[0]
        for label, run in runs.items():
            print(f"    {label:<12} {run['seconds']:>7.1f} s  peak RSS {run['peak_rss_mib']:>5} MiB  phases: "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in phase_timings(run["stdout"]).items()), flush=True)
        day_8_s, last_s = ([r["seconds"] for r in rs] for rs in (day_8_runs, last_runs))
        backfill = sum(r["seconds"] for r in runs.values())
        ratio = min(last_s) / min(day_8_s)
        print(f"  backfill of {days} days {backfill:.1f} s ({backfill / days:.2f} s a day)", flush=True)
        print(f"  day 8 runs {', '.join(f'{s:.1f}' for s in day_8_s)} s; day {days} runs "
              f"{', '.join(f'{s:.1f}' for s in last_s)} s; fastest against fastest: day {days} is "
              f"{ratio:.2f}x day 8 (first runs {last_s[0] / day_8_s[0]:.2f}x)", flush=True)
        return {"days": days, "events_per_day": per_day, "backfill_s": round(backfill, 1),
                "last_vs_day8": round(ratio, 2), "last_vs_day8_first_runs": round(last_s[0] / day_8_s[0], 2),
                "day_8_runs_s": day_8_s, f"day_{days}_runs_s": last_s,
                "runs": {label: {"seconds": r["seconds"], "peak_rss_mib": r["peak_rss_mib"],
                                 "phases_s": phase_timings(r["stdout"])} for label, r in runs.items()}}
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, nargs="*", default=[], help="events of the one-day runs")
    p.add_argument("--history-days", type=int, default=0, help="days of the history run (0: none)")
    p.add_argument("--history-events", type=int, default=100_000, help="events a day in the history run")
    p.add_argument("--day-repeats", type=int, default=3, help="runs of day 8 and of the last day in the history run")
    p.add_argument("--keep", action="store_true", help="keep the generated files and the lake")
    p.add_argument("--postgres", action="store_true", help="add the PostgreSQL refresh baseline to the one-day runs")
    args = p.parse_args()
    results: dict = {"commit": subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                              capture_output=True, text=True).stdout.strip(),
                     "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "days": []}
    for n in args.events:
        print(f"one day of {n:,} events:", flush=True)
        results["days"].append(bench_day(n, args.keep, args.postgres))
    if len(results["days"]) > 1:
        small, big = results["days"][0], results["days"][-1]
        results["scale"] = {"events": [small["events"], big["events"]],
                            "time_ratio": round(big["materialize_s"] / small["materialize_s"], 2),
                            "rss_ratio": round(big["materialize_peak_rss_mib"] / small["materialize_peak_rss_mib"], 2)}
        print(f"  {big['events'] // small['events']}x the events: {results['scale']['time_ratio']}x the time, "
              f"{results['scale']['rss_ratio']}x the peak RSS", flush=True)
    if args.history_days and args.history_days < 10:
        p.error("--history-days must be at least 10 (days 1..7, day 8, a range, the last day)")
    if args.history_days:
        print(f"history of {args.history_days} days:", flush=True)
        results["history"] = bench_history(args.history_days, args.history_events, args.keep, args.day_repeats)
    out = REPO / "benchmarks" / "results" / f"engine-{results['measured_at'][:19].replace(':', '')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
