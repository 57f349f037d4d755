"""Schedules, sensors, the retention job and health checks that run the pipeline every day.

`definitions.build_defs` calls `build_automation` with the settings' `AutomationConfig` and passes
the asset list through `with_freshness`, so the marts carry their freshness policy.
"""

import dagster as dg

from analytics_pipeline.defs.automation.config import AutomationConfig
from analytics_pipeline.defs.automation.health import (
    build_freshness_check, build_freshness_schedule, build_run_failure_sensor, freshness_check_job, with_freshness,
)
from analytics_pipeline.defs.automation.jobs import daily_build_job, ingest_arrival_job, rebuild_event_days_job
from analytics_pipeline.defs.automation.retention import build_retention_schedule, retention_job
from analytics_pipeline.defs.automation.schedules import build_schedules
from analytics_pipeline.defs.automation.sensors import build_landing_sensor, build_touched_days_sensor

jobs = [daily_build_job, ingest_arrival_job, rebuild_event_days_job, retention_job, freshness_check_job]


def build_automation(config: AutomationConfig) -> dg.Definitions:
    """The jobs, schedules, sensors and freshness checks, timed and switched on as `config` says."""
    return dg.Definitions(
        jobs=jobs,
        schedules=[*build_schedules(config), build_retention_schedule(config), build_freshness_schedule(config)],
        sensors=[build_landing_sensor(config), build_touched_days_sensor(config), build_run_failure_sensor(config)],
        asset_checks=[build_freshness_check(config)],
    )


__all__ = ["build_automation", "jobs", "with_freshness"]
