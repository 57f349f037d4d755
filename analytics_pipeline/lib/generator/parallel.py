"""Run chunks in worker processes (`python -m analytics_pipeline.lib.generator.worker`).

Plain subprocesses rather than a multiprocessing pool: `spawn` re-imports the caller's
`__main__` (which breaks callers without a main guard), and `fork` can inherit locks held by
pyarrow or S3 client threads. Plans go in on stdin and results come back on stdout, as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path

from .chunk import ChunkPlan, ChunkResult, run_chunk

_PACKAGE_PARENT = str(Path(__file__).resolve().parents[3])


def _plan_to_json(plan: ChunkPlan) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(plan).items()}


def _plan_from_json(data: dict) -> ChunkPlan:
    return ChunkPlan(**{k: (date.fromisoformat(v) if k in ("day", "first_day", "last_day") else v)
                        for k, v in data.items()})


def _result_to_json(result: ChunkResult) -> dict:
    return {
        "files": {d.isoformat(): files for d, files in result.files.items()},
        "events_by_day": dict(result.events_by_day), "lines_by_arrival_day": dict(result.lines_by_arrival_day),
        "malformed": dict(result.malformed), "duplicate_lines": result.duplicate_lines,
        "late_lines": result.late_lines, "held_back_events": result.held_back_events,
        "views": result.views, "bot_views": result.bot_views,
    }


def _result_from_json(data: dict) -> ChunkResult:
    return ChunkResult(
        files={date.fromisoformat(d): [tuple(f) for f in files] for d, files in data["files"].items()},
        events_by_day=Counter({int(k): v for k, v in data["events_by_day"].items()}),
        lines_by_arrival_day=Counter({int(k): v for k, v in data["lines_by_arrival_day"].items()}),
        malformed=Counter(data["malformed"]), duplicate_lines=data["duplicate_lines"],
        late_lines=data["late_lines"], held_back_events=data["held_back_events"],
        views=data["views"], bot_views=data["bot_views"],
    )


def run_in_processes(plans: list[ChunkPlan], workers: int) -> list[ChunkResult]:
    """Spread plans over `workers` processes, largest first onto the least loaded."""
    shares: list[list[ChunkPlan]] = [[] for _ in range(workers)]
    load = [0] * workers
    for plan in sorted(plans, key=lambda p: -p.events_target):
        least = load.index(min(load))
        shares[least].append(plan)
        load[least] += plan.events_target
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_PARENT, env.get("PYTHONPATH")]))
    procs = []
    for share in filter(None, shares):
        proc = subprocess.Popen([sys.executable, "-m", f"{__package__}.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                env=env, text=True)
        proc.stdin.write(json.dumps([_plan_to_json(p) for p in share]))
        proc.stdin.close()
        procs.append(proc)
    results, failed = [], []
    for proc in procs:
        output = proc.stdout.read()
        if proc.wait() != 0:
            failed.append(proc.returncode)
            continue
        results.extend(_result_from_json(r) for r in json.loads(output))
    if failed:
        raise RuntimeError(f"generator worker processes failed with exit codes {failed}")
    return results


def serve(stdin, stdout) -> None:
    """The worker side: plans in, results out."""
    plans = [_plan_from_json(p) for p in json.loads(stdin.read())]
    json.dump([_result_to_json(run_chunk(p)) for p in plans], stdout)
