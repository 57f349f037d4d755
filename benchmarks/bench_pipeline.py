"""Benchmark: N events for one day, from gzip landing files to playback_sessions and every mart.

Each stage runs in its own process so its peak memory (max RSS) is measured alone. The baseline,
in the same run on the same files, is DuckDB's own NDJSON reader counting the events: the floor
any parse of these files costs on this machine.

    python benchmarks/bench_pipeline.py --events 1000000 10000000
    python benchmarks/bench_pipeline.py --events 10000000 --compare /tmp/orig   # another checkout, same files

`--compare` runs another checkout's stages (as its own bench_pipeline.py defines them) on a copy
of the same landing files, in the same run: what a change costs, measured on one machine state.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

DAY = date(2026, 6, 10)
STAGES = {
    "generate": "from analytics_pipeline.lib.generator import generate; generate(S, D, D, N, seed=3, gzip=True, files_per_day=8)",
    "baseline_duckdb_read_json": (
        "import duckdb; c = duckdb.connect(); "
        "print('rows', c.execute(f\"SELECT count(*) FROM read_json('{ROOT}/landing/events/*/*.jsonl.gz', "
        "format='newline_delimited', ignore_errors=true)\").fetchall()[0][0])"
    ),
    # the video_catalog snapshot, as the Dagster catalog asset writes it: sessions and marts join it
    "catalog": ("from analytics_pipeline.lib.catalog import load_catalog; "
                "S.write_snapshot('video_catalog', load_catalog(S)[0])"),
    "ingest": (
        "from analytics_pipeline.lib.catalog import load_catalog; from analytics_pipeline.lib.ingest.arrival import ingest_arrival; "
        "import datetime as dt; cat, _ = load_catalog(S); r = ingest_arrival(S, D, b'bench-key', cat); "
        "print('rows', r.lines_read); "
        "[ingest_arrival(S, d, b'bench-key', cat) for d in [D + dt.timedelta(days=1)] if S.is_dir(f'landing/events/{d}')]"
    ),
    "events": "from analytics_pipeline.lib.ingest.events_day import build_events_day; print('rows', build_events_day(S, D)['rows'])",
    "sessionize": "from analytics_pipeline.lib.sessions_day import build_sessions_day; print('rows', build_sessions_day(S, D)['views'])",
    "marts": (
        # in the order of the Dagster marts phase: progress (viewer, learner, weekly course tables) first
        "from analytics_pipeline.lib.marts_day import build_marts_day, build_progress_day; "
        "p = build_progress_day(S, D); t = build_marts_day(S, D); "
        "print('rows', sum(x.num_rows for x in t.values()) + sum(x.num_rows for x in p.values()))"
    ),
}
PRELUDE = (
    "import sys, datetime; sys.path.insert(0, {repo!r}); from analytics_pipeline.lib.storage import Storage; "
    "ROOT = {root!r}; S = Storage(ROOT); D = datetime.date.fromisoformat({day!r}); N = {n}; "
)


REPO = Path(__file__).resolve().parent.parent


def run_stage(name: str, root: str, n: int, repo: Path = REPO, stages: dict = STAGES) -> dict:
    code = (PRELUDE.format(repo=str(repo), root=root, day=DAY.isoformat(), n=n)
            + stages[name] + "; import resource as _r; print('peak', max(_r.getrusage(_r.RUSAGE_SELF).ru_maxrss, "
            "_r.getrusage(_r.RUSAGE_CHILDREN).ru_maxrss))")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
    peak_kib = next(int(l.split()[1]) for l in out.stdout.splitlines() if l.startswith("peak "))
    rows = next((int(l.split()[1]) for l in out.stdout.splitlines() if l.startswith("rows ")), None)
    return {"stage": name, "seconds": round(seconds, 2), "peak_rss_mib": round(peak_kib / 1024), "rows": rows}


def stages_of(repo: Path) -> dict:
    """The stages another checkout's benchmark defines."""
    spec = importlib.util.spec_from_file_location("other_bench", repo / "benchmarks" / "bench_pipeline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STAGES


def _print(n: int, label: str, res: dict) -> None:
    print(f"  {n:>10,} {label:<36} {res['seconds']:>7.1f} s  rows {res['rows'] or '':>10}  "
          f"peak RSS {res['peak_rss_mib']:>6} MiB", flush=True)


def measure(n: int, keep: bool, compare: Path | None = None) -> tuple[list[dict], list[dict]]:
    root = tempfile.mkdtemp(prefix=f"bench-{n}-")
    other_root = tempfile.mkdtemp(prefix=f"bench-{n}-other-")
    try:
        results, other = [], []
        for name in STAGES:
            res = run_stage(name, root, n)
            results.append(res)
            _print(n, name, res)
        if compare is not None:
            shutil.copytree(Path(root) / "landing", Path(other_root) / "landing")
            theirs = {"catalog": STAGES["catalog"], **stages_of(compare)}  # older benchmarks had no catalog stage
            for name in theirs:
                if name == "generate":
                    continue
                res = run_stage(name, other_root, n, repo=compare, stages=theirs)
                other.append(res)
                _print(n, f"{name} ({compare.name})", res)
        return results, other
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(other_root, ignore_errors=True)


def _pipeline_s(stages: list[dict]) -> float:
    return sum(s["seconds"] for s in stages if s["stage"] in ("ingest", "events", "sessionize", "marts"))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--keep", action="store_true")
    p.add_argument("--compare", type=Path, help="another checkout to measure on the same files")
    args = p.parse_args()
    report = {}
    for n in args.events:
        print(f"{n:,} events for {DAY}:")
        stages, other = measure(n, args.keep, args.compare)
        by = {s["stage"]: s for s in stages}
        spine = by["ingest"]["seconds"] + by["events"]["seconds"] + by["sessionize"]["seconds"]
        report[n] = {
            "stages": stages,
            "landing_to_sessions_s": round(spine, 1),
            "events_per_s": round(n / spine),
            "marts_s": by["marts"]["seconds"],
            "vs_baseline": round(by["ingest"]["seconds"] / by["baseline_duckdb_read_json"]["seconds"], 2),
        }
        if other:
            ours, theirs = _pipeline_s(stages), _pipeline_s(other)
            report[n]["compare"] = {"checkout": str(args.compare), "stages": other, "pipeline_s": theirs,
                                    "this_pipeline_s": ours, "growth": round(ours / theirs - 1, 3)}
            print(f"  => ingest to marts {ours:.1f} s here, {theirs:.1f} s in {args.compare}: "
                  f"{100 * (ours / theirs - 1):+.1f} %")
        print(f"  => landing to playback_sessions {spine:.1f} s ({n / spine:,.0f} events/s); marts {by['marts']['seconds']:.1f} s; "
              f"ingest is {report[n]['vs_baseline']}x DuckDB's bare read_json of the same files")
    out_dir = REPO / "benchmarks" / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H%M%S", time.gmtime())
    (out_dir / f"pipeline-{stamp}.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
