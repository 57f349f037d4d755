"""A warehouse build over a kept lake: a build that keeps the file in place (nothing changed since
the last) against one that writes it anew (its build record removed first), alternating.

    python benchmarks/warehouse_build.py /tmp/engine-history-365-XXXX --repeat 5

Builds into a temporary folder, not the lake's own warehouse; the first build (every footer read
once) is not counted. Prints the fastest and the median of `--repeat` in ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from analytics_pipeline.lib.storage import Storage
    from analytics_pipeline.lib.warehouse import build_warehouse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", help="a kept benchmark folder (holding data/)")
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    storage = Storage(str(Path(args.base) / "data"))
    target = Path(tempfile.mkdtemp()) / "analytics.duckdb"
    build_warehouse(storage, str(target))
    timings: dict[str, list[float]] = {"kept": [], "written anew": []}
    for _ in range(args.repeat):
        for kind, seconds in timings.items():
            if kind == "written anew":
                target.with_name(target.name + ".build.json").unlink()
            started = time.perf_counter()
            build_warehouse(storage, str(target))
            seconds.append((time.perf_counter() - started) * 1000)
    for kind, seconds in timings.items():
        print(f"{kind:>13}: fastest {min(seconds):.1f} ms, median {statistics.median(seconds):.1f} ms")


if __name__ == "__main__":
    main()
