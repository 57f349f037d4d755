"""The schedules, evaluated with build_schedule_context, and the run-failure line and freshness helpers."""

from __future__ import annotations

from datetime import datetime, timezone

import dagster as dg

from analytics_pipeline.defs.automation.config import AutomationConfig
from analytics_pipeline.defs.automation.health import expected_day, failure_line, run_partition
from analytics_pipeline.defs.automation.schedules import PARTIAL_TAG, build_schedules


def evaluate(schedule, at: datetime, instance):
    result = schedule(dg.build_schedule_context(instance=instance, scheduled_execution_time=at))
    return result if isinstance(result, list) else [result]


def test_nightly_builds_the_previous_utc_day_after_the_lateness_window():
    with dg.instance_for_test() as instance:
        nightly, hourly = build_schedules(AutomationConfig(lateness_hours=3))
        assert nightly.cron_schedule == "0 3 * * *" and nightly.execution_timezone == "UTC"
        [req] = evaluate(nightly, datetime(2024, 3, 1, 3, 0, tzinfo=timezone.utc), instance)
        # 03:00 on 1 March (leap year) builds 29 February
        assert (req.partition_key, req.run_key) == ("2024-02-29", "nightly:2024-02-29")
        [req] = evaluate(hourly, datetime(2024, 3, 1, 14, 10, tzinfo=timezone.utc), instance)
        assert (req.partition_key, req.run_key, req.tags[PARTIAL_TAG]) == ("2024-03-01", "hourly:2024-03-01T14", "true")
        # 00:10 refreshes the new day, not the one that just ended (the nightly build does that)
        [req] = evaluate(hourly, datetime(2024, 3, 2, 0, 10, tzinfo=timezone.utc), instance)
        assert req.partition_key == "2024-03-02"


def test_schedules_are_off_by_default_switchable_and_do_not_catch_up(settings):
    from analytics_pipeline.definitions import build_defs

    defs = build_defs(settings)
    repo = defs.get_repository_def()
    schedules = list(repo.schedule_defs)  # resolved: the weekly report's is built from its partitioned job
    assert {s.name for s in schedules} >= {"nightly_build", "hourly_refresh", "daily_retention", "marts_freshness",
                                           "weekly_report_schedule"}
    for s in schedules:
        assert s.default_status == dg.DefaultScheduleStatus.STOPPED and s.execution_timezone == "UTC"
    sensors = {s.name: s.default_status for s in defs.sensors}
    assert sensors["run_failure_log"] == dg.DefaultSensorStatus.RUNNING  # failures are heard of by default
    assert sensors["landing_sensor"] == sensors["touched_days_sensor"] == dg.DefaultSensorStatus.STOPPED
    on = build_schedules(AutomationConfig(start_running=True))
    assert all(s.default_status == dg.DefaultScheduleStatus.RUNNING for s in on)
    # Plain @schedule definitions have no partition set: after a pause the daemon evaluates only
    # the latest tick (dagster/_scheduler/scheduler.py "has no partition set, so not trying to
    # catch up"), and a tick's run key names its day, so a repeated tick is deduplicated.
    from dagster._core.remote_representation.external_data import ScheduleSnap

    for s in schedules:
        assert ScheduleSnap.from_def(s, repo).partition_set_name is None


def test_the_failure_line_names_job_assets_and_partition():
    line = failure_line("daily_build", "abc123", run_partition({"dagster/partition": "2024-03-01"}),
                        [("daily_marts", ["video_daily", "course_daily"], "Binder Error: no column x")])
    assert line == ("RUN FAILED job=daily_build run=abc123 assets video_daily,course_daily partition 2024-03-01 "
                    "(step daily_marts): Binder Error: no column x")
    assert run_partition({"dagster/asset_partition_range_start": "2024-03-01",
                          "dagster/asset_partition_range_end": "2024-03-04"}) == "2024-03-01..2024-03-04"


def test_marts_are_late_when_yesterday_is_missing_after_the_deadline_hour():
    assert expected_day(datetime(2024, 3, 2, 6, 0, tzinfo=timezone.utc), 6) == "2024-03-01"
    assert expected_day(datetime(2024, 3, 2, 5, 59, tzinfo=timezone.utc), 6) == "2024-02-29"


def test_the_run_failure_sensor_logs_the_failed_asset_and_partition(caplog):
    from analytics_pipeline.defs.automation.health import build_run_failure_sensor

    parts = dg.DailyPartitionsDefinition(start_date="2024-01-01")

    @dg.asset(partitions_def=parts)
    def video_daily():
        raise ValueError("no column x")

    with dg.instance_for_test() as instance:
        result = dg.materialize([video_daily], partition_key="2024-03-01", instance=instance, raise_on_error=False)
        run = instance.get_run_by_id(result.run_id)
        failure = [e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE][0]
        ctx = dg.build_run_status_sensor_context(
            sensor_name="run_failure_log", dagster_event=failure, dagster_instance=instance, dagster_run=run,
        ).for_run_failure()
        with caplog.at_level("ERROR", logger="analytics_pipeline.health"):
            build_run_failure_sensor()(ctx)
    [line] = [r.getMessage() for r in caplog.records if r.name == "analytics_pipeline.health"]
    assert "partition 2024-03-01" in line and "video_daily" in line and "no column x" in line
