"""Run chunks in child processes (`lib/child_process.py`: not a `multiprocessing` spawn, which
re-imports the caller's `__main__`, nor a fork, which can inherit locks held by pyarrow or S3
client threads)."""

from __future__ import annotations

from analytics_pipeline.lib.child_process import map_in_children

from .chunk import ChunkPlan, ChunkResult, run_chunk


def run_share(plans: list[ChunkPlan]) -> list[ChunkResult]:
    """A child's share of the chunks."""
    return [run_chunk(plan) for plan in plans]


def run_in_processes(plans: list[ChunkPlan], workers: int) -> list[ChunkResult]:
    """Spread plans over `workers` processes, largest first onto the least loaded."""
    shares: list[list[ChunkPlan]] = [[] for _ in range(workers)]
    load = [0] * workers
    for plan in sorted(plans, key=lambda p: -p.events_target):
        least = load.index(min(load))
        shares[least].append(plan)
        load[least] += plan.events_target
    shares = [share for share in shares if share]
    return [result for results in map_in_children(run_share, shares, len(shares)) for result in results]
