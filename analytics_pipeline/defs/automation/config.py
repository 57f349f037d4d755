"""Automation settings, all from `ANALYTICS_*` variables read once by `load_settings`."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from analytics_pipeline.settings import Settings, load_settings


@dataclass(frozen=True)
class AutomationConfig:
    lateness_hours: int = 2           # the nightly build of D starts at D+1 00:00 UTC + this
    hourly_minute: int = 10           # minute past each hour of the refresh of today
    retention_hour: int = 3           # retention job, daily at HH:45 UTC
    freshness_deadline_hour: int = 6  # yesterday's marts are late after this hour UTC
    sensor_interval_s: int = 60
    max_runs_per_tick: int = 4        # ingestion runs one landing-sensor tick may request
    run_history_days: int = 90
    start_running: bool = False       # default state of schedules and sensors in a fresh instance

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> "AutomationConfig":
        extra = (settings or load_settings()).extra

        def num(var: str, default: int, low: int, high: int) -> int:
            value = int(extra.get(var) or default)
            if not low <= value <= high:
                raise ValueError(f"{var}={value} is outside {low}..{high}")
            return value

        return cls(
            lateness_hours=num("ANALYTICS_LATENESS_HOURS", 2, 0, 23),
            hourly_minute=num("ANALYTICS_HOURLY_MINUTE", 10, 0, 59),
            retention_hour=num("ANALYTICS_RETENTION_HOUR", 3, 0, 23),
            freshness_deadline_hour=num("ANALYTICS_FRESHNESS_DEADLINE_HOUR", 6, 0, 23),
            sensor_interval_s=num("ANALYTICS_SENSOR_INTERVAL_SECONDS", 60, 5, 3600),
            max_runs_per_tick=num("ANALYTICS_SENSOR_MAX_RUNS_PER_TICK", 4, 1, 100),
            run_history_days=num("ANALYTICS_RETENTION_RUN_HISTORY_DAYS", 90, 1, 100_000),
            start_running=(extra.get("ANALYTICS_AUTOMATION") or "off").lower() in ("on", "1", "true", "running"),
        )

    @property
    def schedule_status(self) -> dg.DefaultScheduleStatus:
        return dg.DefaultScheduleStatus.RUNNING if self.start_running else dg.DefaultScheduleStatus.STOPPED

    @property
    def sensor_status(self) -> dg.DefaultSensorStatus:
        return dg.DefaultSensorStatus.RUNNING if self.start_running else dg.DefaultSensorStatus.STOPPED


CONFIG = AutomationConfig.from_settings()
