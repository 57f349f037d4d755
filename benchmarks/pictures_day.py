"""Time the pictures a day's marts attach to their Dagster materialization, outside Dagster.

The heatmap of the day's top videos and the bar chart of its experience scores are drawn for
every partition, so a one-year backfill draws them 365 times. This rebuilds the day's marts on
a kept lake (rewriting what its partitions already hold, as `phase_range.py` does), then times
each picture's Markdown and writes the PNGs beside the script's output for a look:

    python benchmarks/bench_engine.py --history-days 365 --keep
    python benchmarks/pictures_day.py /tmp/engine-history-365-XXXX 2026-06-09 --out /tmp/pictures
"""

from __future__ import annotations

import argparse
import base64
import re
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", help="a kept benchmark folder (holding data/)")
    p.add_argument("day", type=date.fromisoformat)
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--out", help="write the PNGs as OUT_heatmap.png and OUT_scores.png")
    args = p.parse_args()

    from analytics_pipeline.defs.marts.pictures import experience_scores_markdown, heatmap_markdown
    from analytics_pipeline.lib.marts_day import build_marts_day
    from analytics_pipeline.lib.storage import Storage

    tables = build_marts_day(Storage(str(Path(args.base) / "data")), args.day)
    pictures = {
        "heatmap": lambda: heatmap_markdown(tables["video_heatmap_daily"], tables["video_daily"], tables["key_moments"]),
        "scores": lambda: experience_scores_markdown(tables["experience_scores"]),
    }
    for name, draw in pictures.items():
        markdown = draw()  # the first draws once matplotlib's fonts are loaded
        started = time.perf_counter()
        for _ in range(args.repeat):
            draw()
        print(f"{name}: {(time.perf_counter() - started) / args.repeat * 1000:.1f} ms")
        if args.out:
            png = base64.b64decode(re.search(r"base64,([^)]*)\)", markdown.value).group(1))
            Path(f"{args.out}_{name}.png").write_bytes(png)


if __name__ == "__main__":
    main()
