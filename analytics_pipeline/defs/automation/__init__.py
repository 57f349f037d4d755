"""Schedules, sensors, the retention job and health checks that run the pipeline every day.

`definitions.build_defs` adds `jobs`, `schedules`, `sensors` and `asset_checks`, and passes the
asset list through `with_freshness` so the marts carry their freshness policy.
"""

from analytics_pipeline.defs.automation.health import (
    freshness_check_job, freshness_schedule, marts_freshness_check, run_failure_sensor, with_freshness,
)
from analytics_pipeline.defs.automation.jobs import daily_build_job, ingest_arrival_job, rebuild_event_days_job
from analytics_pipeline.defs.automation.retention import retention_job, retention_schedule
from analytics_pipeline.defs.automation.schedules import schedules as _time_schedules
from analytics_pipeline.defs.automation.sensors import landing_sensor, touched_days_sensor

jobs = [daily_build_job, ingest_arrival_job, rebuild_event_days_job, retention_job, freshness_check_job]
schedules = [*_time_schedules, retention_schedule, freshness_schedule]
sensors = [landing_sensor, touched_days_sensor, run_failure_sensor]
asset_checks = [marts_freshness_check]

__all__ = ["asset_checks", "jobs", "schedules", "sensors", "with_freshness"]
