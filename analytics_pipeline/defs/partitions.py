"""The one daily partitioning every dated asset shares.

Asset modules declare `daily_partitions` (first day 2024-01-01) so they can be imported without
settings; `definitions.build_defs` binds every asset to `daily_partitions_from(settings.start_date)`.
"""

from __future__ import annotations

from datetime import date

import dagster as dg

DEFAULT_START = date(2024, 1, 1)


def daily_partitions_from(start: date) -> dg.DailyPartitionsDefinition:
    return dg.DailyPartitionsDefinition(
        start_date=start.isoformat(),
        timezone="UTC",
        end_offset=1,  # today is a partition too: the hourly refresh builds its partial figures
    )


daily_partitions = daily_partitions_from(DEFAULT_START)

# A backfill over any range is one run per asset range, not one run per day.
single_run = dg.BackfillPolicy.single_run()
