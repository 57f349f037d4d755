"""The weekly report site: an asset partitioned by ISO week, written under `<data root>/reports/<week>/`.

A schedule builds last week's partition on Mondays, two hours after the nightly build of Sunday
(`AutomationConfig.lateness_hours`); its materialisation shows the week's headline figures and
where the site is.
"""


import tempfile
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from analytics_pipeline.defs.automation.config import schedule_status
from analytics_pipeline.defs.metadata import report_partition
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.settings import Settings

REPORTS_DIR = "reports"
HOURS_AFTER_NIGHTLY = 2


def weekly_partitions_from(start: date) -> dg.WeeklyPartitionsDefinition:
    """ISO weeks (Monday to Sunday, UTC), keyed by their Monday, from the first week wholly after `start`."""
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    return dg.WeeklyPartitionsDefinition(start_date=monday.isoformat(), day_offset=1, timezone="UTC")


def week_folder(week: str) -> str:
    return f"{REPORTS_DIR}/{week}"


def _publish(settings: Settings, week: str, start: date, end: date):
    """Write the site where the data root is; a remote root gets it uploaded file by file."""
    from analytics_pipeline.report import write_report  # matplotlib loads when a report is built, not with the code location

    storage = Storage.from_settings(settings)
    if not settings.remote:
        summary = write_report(settings, start, end, Path(settings.data_root) / week_folder(week))
        return summary, str(summary.index)
    with tempfile.TemporaryDirectory() as tmp:
        summary = write_report(settings, start, end, Path(tmp) / "site")
        for path in sorted(p for p in summary.output.rglob("*") if p.is_file()):
            storage.write_bytes(f"{week_folder(week)}/{path.relative_to(summary.output).as_posix()}", path.read_bytes())
    return summary, storage.uri(f"{week_folder(week)}/index.html")


def build_report_defs(settings: Settings) -> dg.Definitions:
    weekly = weekly_partitions_from(settings.start_date)

    @dg.asset(
        name="weekly_report", partitions_def=weekly, deps=["warehouse"], group_name="reports", kinds={"html"},
        owners=["team:data-engineering"], tags={"domain": "reports"},
        description="The static HTML report site of one ISO week (platform, video, course and creator pages, with CSV "
                    "downloads), under <data root>/reports/<week Monday>/.",
    )
    def weekly_report(context: dg.AssetExecutionContext, lake: LakeResource) -> None:
        for key in context.partition_keys:
            start = date.fromisoformat(key)
            summary, index = _publish(lake.get_settings(), key, start, start + timedelta(days=6))
            h = summary.headline
            metadata = {
                "views": dg.MetadataValue.int(h["views"] or 0),
                "unique_viewers": dg.MetadataValue.int(h["unique_viewers"] or 0),
                "watch_time_h": dg.MetadataValue.float(round((h["watch_time_s"] or 0) / 3600, 1)),
                "completion_rate": dg.MetadataValue.float(h["completion_rate"] if h["completion_rate"] is not None else float("nan")),
                "pages": dg.MetadataValue.int(sum(summary.pages.values())),
                "site": dg.MetadataValue.path(index),
            }
            if not lake.get_settings().remote:
                metadata["open"] = dg.MetadataValue.url(Path(index).as_uri())
            report_partition(context, key, {"weekly_report": metadata})

    job = dg.define_asset_job("weekly_report_job", selection=[weekly_report],
                              description="Build one week's report site.")
    config = settings.automation
    hour = config.lateness_hours + HOURS_AFTER_NIGHTLY
    schedule = dg.build_schedule_from_partitioned_job(
        job, name="weekly_report_schedule", hour_of_day=hour % 24, day_of_week=1 + hour // 24,
        default_status=schedule_status(config),
        description=f"Mondays at {hour % 24:02d}:00 UTC, {HOURS_AFTER_NIGHTLY} h after the nightly build of Sunday: "
                    "last week's report site.",
    )
    return dg.Definitions(assets=[weekly_report], jobs=[job], schedules=[schedule])
