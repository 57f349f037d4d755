"""Dagster's event storage during one phase of `materialize` over days of a kept lake, by event type.

    python benchmarks/phase_events.py /tmp/engine-history-365-XXXX marts 2026-05-12 2026-06-10

Runs the phase as `phase_range.py` does and times Dagster's `handle_new_event` around its own
method: how many events of each type the run stored, and the seconds they took. An event Dagster
holds for a batch costs nothing itself; the event that ends the batch carries the batch's write.
Run it beside another checkout (`PYTHONPATH=/tmp/other python /tmp/other/benchmarks/...`).
"""

from __future__ import annotations

import collections
import time

from phase_range import phase_args, run_phase  # also puts the checkout on sys.path


def main() -> None:
    args = phase_args(__doc__.splitlines()[0])

    from dagster._core.instance.methods.event_methods import EventMethods

    seconds, counts = collections.Counter(), collections.Counter()
    stored = EventMethods.handle_new_event

    def timed(self, event, *a, **kw):
        started = time.perf_counter()
        try:
            return stored(self, event, *a, **kw)
        finally:
            kind = event.dagster_event_type.value if event.is_dagster_event else "log message"
            seconds[kind] += time.perf_counter() - started
            counts[kind] += 1

    EventMethods.handle_new_event = timed
    total, _, _ = run_phase(args)
    print(f"{args.phase} {args.start}..{args.end}: {total:.2f} s; handle_new_event {sum(seconds.values()):.2f} s "
          f"for {sum(counts.values())} events")
    for kind, s in seconds.most_common():
        print(f"  {kind:34s} {counts[kind]:6d}  {s:7.2f} s  {s / counts[kind] * 1000:7.2f} ms each")


if __name__ == "__main__":
    main()
