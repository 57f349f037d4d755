"""No run waits forever: runs of a killed command are marked failed and release their pool slots.

Each run the CLI starts carries the host and process id of the command (`command_tags`). Before it
builds, the runner calls `release_dead_runs`: a run of this host still marked started whose
process is gone (kill -9, a crash, a machine reboot) is reported failed, and every pool slot held
by a run that is finished or gone is freed. `wait_for_pool` then waits a bounded time for a slot
held by a live run, naming that run, instead of Dagster's unbounded claim loop.
"""

from __future__ import annotations

import os
import socket
import time

import dagster as dg

HOST_TAG, PID_TAG = "analytics/host", "analytics/pid"
UNFINISHED = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.NOT_STARTED,
              dg.DagsterRunStatus.CANCELING]


class PoolBusy(RuntimeError):
    pass


def command_tags() -> dict[str, str]:
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead(run: dg.DagsterRun) -> bool:
    pid = run.tags.get(PID_TAG)
    return run.tags.get(HOST_TAG) == socket.gethostname() and pid is not None and not process_alive(int(pid))


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark this host's orphaned command runs failed and free slots of runs that no longer run."""
    released = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=UNFINISHED, tags={HOST_TAG: socket.gethostname()})):
        if _dead(run):
            instance.report_run_failed(run, f"the process that ran it ({run.tags[PID_TAG]}) is gone (killed or crashed)")
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
            released.append(run.run_id)
    for pool in instance.event_log_storage.get_concurrency_keys():
        info = instance.event_log_storage.get_concurrency_info(pool)
        for run_id in info.active_run_ids | info.pending_run_ids:
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                instance.event_log_storage.free_concurrency_slots_for_run(run_id)
                released.append(run_id)
    return sorted(set(released))


def wait_for_pool(instance: dg.DagsterInstance, pool: str, timeout_s: float, note=lambda message: None) -> None:
    """Return once `pool` has a free slot; raise `PoolBusy` naming the holder after `timeout_s`."""
    deadline, said = time.monotonic() + timeout_s, False
    while True:
        release_dead_runs(instance)
        info = instance.event_log_storage.get_concurrency_info(pool)
        if info.slot_count == 0 or info.active_slot_count < info.slot_count:
            return
        holders = sorted(info.active_run_ids)
        if time.monotonic() > deadline:
            raise PoolBusy(f"the {pool} pool is still held by run {', '.join(holders)} after {timeout_s:.0f} s; "
                           f"if that run is stuck, cancel it in the UI (Runs) and run this again")
        if not said:
            note(f"waiting for run {', '.join(holders)}, which holds the {pool} pool (up to {timeout_s:.0f} s)")
            said = True
        time.sleep(1)
