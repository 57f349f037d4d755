"""How automation settings become Dagster's default states (the numbers are in `settings.AutomationConfig`)."""

from __future__ import annotations

import dagster as dg

from analytics_pipeline.settings import AutomationConfig

__all__ = ["AutomationConfig", "schedule_status", "sensor_status"]


def schedule_status(config: AutomationConfig) -> dg.DefaultScheduleStatus:
    return dg.DefaultScheduleStatus.RUNNING if config.start_running else dg.DefaultScheduleStatus.STOPPED


def sensor_status(config: AutomationConfig) -> dg.DefaultSensorStatus:
    return dg.DefaultSensorStatus.RUNNING if config.start_running else dg.DefaultSensorStatus.STOPPED
