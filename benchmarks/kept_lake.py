"""The arguments the scripts that time a range of days on a kept benchmark lake share."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def lake_range(description: str, repeat: bool = False):
    """(args, the lake's Storage, every day from start to end) from `BASE START END [--repeat N]`."""
    from analytics_pipeline.lib.plan import days_between
    from analytics_pipeline.lib.storage import Storage

    p = argparse.ArgumentParser(description=description)
    p.add_argument("base", help="a kept benchmark folder (holding data/)")
    p.add_argument("start", type=date.fromisoformat)
    p.add_argument("end", type=date.fromisoformat)
    if repeat:
        p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()
    return args, Storage(str(Path(args.base) / "data")), days_between(args.start, args.end)
