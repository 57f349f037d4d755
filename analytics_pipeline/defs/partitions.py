"""The one daily partitioning every dated asset shares."""

from __future__ import annotations

import dagster as dg

from analytics_pipeline.settings import load_settings

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=load_settings().start_date.isoformat(),
    timezone="UTC",
    end_offset=1,  # today is a partition too: the hourly refresh builds its partial figures
)

# A backfill over any range is one run per asset range, not one run per day.
single_run = dg.BackfillPolicy.single_run()
