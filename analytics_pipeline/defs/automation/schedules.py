"""Time-driven runs, all in UTC.

Schedules made with `@dg.schedule` have no partition set, so the daemon never replays the ticks
missed while a schedule was off (it starts from when it was turned on) and, after daemon
downtime, evaluates only the latest missed tick: turning one back on cannot flood the
instance. The run keys (one per day, or per hour) make a repeated tick a no-op as well.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg

from analytics_pipeline.defs.automation.config import AutomationConfig, schedule_status
from analytics_pipeline.defs.automation.jobs import daily_build_job

PARTIAL_TAG = "analytics/partial"  # runs of today's partial figures: the touched-days sensor ignores them


def nightly_day(scheduled: datetime, lateness_hours: int) -> str:
    """The day a nightly tick builds: the UTC day before the tick's lateness window began."""
    return ((scheduled.astimezone(timezone.utc) - timedelta(hours=lateness_hours)).date() - timedelta(days=1)).isoformat()


def build_schedules(config: AutomationConfig = AutomationConfig()) -> list[dg.ScheduleDefinition]:
    @dg.schedule(
        name="nightly_build",
        job=daily_build_job,
        cron_schedule=f"0 {config.lateness_hours} * * *",
        execution_timezone="UTC",
        default_status=schedule_status(config),
        description=f"Build yesterday (UTC) in full at {config.lateness_hours:02d}:00 UTC, once its lateness window "
                    "has passed; the touched-days sensor then rebuilds the earlier days its arrivals touched.",
    )
    def nightly_build(context: dg.ScheduleEvaluationContext):
        day = nightly_day(context.scheduled_execution_time, config.lateness_hours)
        return dg.RunRequest(run_key=f"nightly:{day}", partition_key=day, tags={"analytics/trigger": "nightly"})

    @dg.schedule(
        name="hourly_refresh",
        job=daily_build_job,
        cron_schedule=f"{config.hourly_minute} * * * *",
        execution_timezone="UTC",
        default_status=schedule_status(config),
        description="Refresh today's partial figures every hour: ingest today's arrivals so far and rebuild today.",
    )
    def hourly_refresh(context: dg.ScheduleEvaluationContext):
        at = context.scheduled_execution_time.astimezone(timezone.utc)
        day = at.date().isoformat()
        return dg.RunRequest(
            run_key=f"hourly:{at:%Y-%m-%dT%H}", partition_key=day,
            tags={"analytics/trigger": "hourly", PARTIAL_TAG: "true"},
        )

    return [nightly_build, hourly_refresh]

