"""The retention job: the data-retention policy over landing and lake, and Dagster's own history."""


from datetime import datetime, timedelta, timezone
from typing import Optional

import dagster as dg

from analytics_pipeline.defs.automation.config import AutomationConfig, schedule_status
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib.retention import run_retention

FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


class RetentionConfig(dg.Config):
    """Empty day counts fall back to the `ANALYTICS_RETENTION_*` settings (defaults 90/30/730/90)."""

    dry_run: bool = False
    landing_days: Optional[int] = None
    quarantine_days: Optional[int] = None
    events_days: Optional[int] = None
    run_history_days: Optional[int] = None
    max_runs_deleted: int = 5000  # per job run; the next run goes on where this one stopped
    as_of: Optional[str] = None  # ISO time to apply the policy as of (never later than now); default now


def old_run_ids(instance: dg.DagsterInstance, before: datetime, limit: int, keep: str | None = None) -> list[str]:
    records = instance.get_run_records(
        filters=dg.RunsFilter(created_before=before, statuses=FINISHED), limit=limit, ascending=True,
    )
    return [r.dagster_run.run_id for r in records if r.dagster_run.run_id != keep]


def trim_run_history(instance: dg.DagsterInstance, days: int, now: datetime, dry_run: bool, limit: int = 5000,
                     keep: str | None = None) -> list[str]:
    """The finished runs older than `days` (at most `limit`), deleted with their event logs unless `dry_run`."""
    runs = old_run_ids(instance, now - timedelta(days=days), limit, keep=keep)
    if not dry_run:
        for run_id in runs:
            instance.delete_run(run_id)
    return runs


@dg.op(description="Delete what the retention policy says may go (or, with dry_run, only list it).")
def apply_retention_policy(context: dg.OpExecutionContext, config: RetentionConfig, lake: LakeResource) -> dg.Output:
    settings = lake.get_settings()
    policy = settings.retention.with_overrides(
        landing_days=config.landing_days, quarantine_days=config.quarantine_days,
        events_days=config.events_days, run_history_days=config.run_history_days,
    )
    now = datetime.now(timezone.utc)
    if config.as_of:
        as_of = datetime.fromisoformat(config.as_of)
        as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=timezone.utc)
        if as_of > now:
            raise dg.Failure(f"as_of {config.as_of} is in the future: retention never runs ahead of the clock")
        now = as_of
    verb = "would delete" if config.dry_run else "deleted"
    context.log.info(f"retention policy {policy} ({'dry run' if config.dry_run else 'deleting'})")
    report = run_retention(lake.get_storage(), policy, now, config.dry_run,
                           on_removed=lambda r: context.log.info(f"deleted {r.path}: {r.reason}"))
    if config.dry_run:
        for r in report.planned:
            context.log.info(f"would delete {r.path}: {r.reason}")

    runs = trim_run_history(context.instance, policy.run_history_days, now, config.dry_run, config.max_runs_deleted,
                            keep=context.run_id)
    context.log.info(f"{verb} {len(runs)} Dagster runs older than {policy.run_history_days} days")

    items = report.planned if config.dry_run else report.removed
    summary = {**report.summary(), "dagster_runs": len(runs)}
    context.log.info(f"retention {verb}: {summary}")
    return dg.Output(summary, metadata={
        "dry_run": config.dry_run,
        "summary": dg.MetadataValue.json(summary),
        "paths": dg.MetadataValue.json([r.path for r in items][:500]),
    })


@dg.job(name="retention", description="Enforce the data-retention policy (landing, quarantine, events) and trim run history.",
        tags={"analytics/trigger": "retention"})
def retention_job():
    apply_retention_policy()


def build_retention_schedule(config: AutomationConfig = AutomationConfig()) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="daily_retention",
        job=retention_job,
        cron_schedule=f"45 {config.retention_hour} * * *",
        execution_timezone="UTC",
        default_status=schedule_status(config),
        description=f"Run the retention job every day at {config.retention_hour:02d}:45 UTC.",
    )

