"""Health: freshness of the marts (policy and a check visible in the UI) and a run-failure log line."""

import logging
from datetime import datetime, timedelta, timezone
from typing import Optional, Sequence

import dagster as dg

from analytics_pipeline.defs.automation.config import AutomationConfig, schedule_status
from analytics_pipeline.defs.keys import MART_KEYS as FRESH_MARTS

FRESHNESS_CHECK_NAME = "built_by_deadline"
log = logging.getLogger("analytics_pipeline.health")


# -- freshness --------------------------------------------------------------------------------
def marts_freshness_policy(config: AutomationConfig = AutomationConfig()) -> dg.FreshnessPolicy:
    """Late when not materialised in the 24 hours before each day's deadline hour (UTC)."""
    return dg.FreshnessPolicy.cron(
        deadline_cron=f"0 {config.freshness_deadline_hour} * * *", lower_bound_delta=timedelta(hours=24), timezone="UTC",
    )


def with_freshness(assets: Sequence, config: AutomationConfig = AutomationConfig()) -> Sequence:
    """`assets` with the marts' freshness policy on every mart spec (other specs unchanged)."""
    policy = marts_freshness_policy(config)
    return dg.map_asset_specs(
        lambda spec: spec.replace_attributes(freshness_policy=policy) if spec.key.to_user_string() in FRESH_MARTS else spec,
        assets,
    )


def expected_day(now: datetime, deadline_hour: int) -> str:
    """The newest day whose marts must exist at `now`: yesterday once today's deadline hour has passed."""
    now = now.astimezone(timezone.utc)
    back = 1 if now.hour >= deadline_hour else 2
    return (now.date() - timedelta(days=back)).isoformat()


def build_freshness_check(config: AutomationConfig = AutomationConfig()) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        specs=[dg.AssetCheckSpec(FRESHNESS_CHECK_NAME, asset=key,
                                 description=f"Yesterday's partition exists by {config.freshness_deadline_hour:02d}:00 UTC.")
               for key in FRESH_MARTS],
        can_subset=True,
        name="marts_freshness",
    )
    def marts_freshness(context: dg.AssetCheckExecutionContext):
        day = expected_day(datetime.now(timezone.utc), config.freshness_deadline_hour)
        for check_key in context.selected_asset_check_keys:
            found = context.instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=check_key.asset_key, asset_partitions=[day]), limit=1,
            ).records
            yield dg.AssetCheckResult(
                asset_key=check_key.asset_key, check_name=check_key.name, passed=bool(found),
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"expected_partition": day,
                          "materialized_at": datetime.fromtimestamp(found[0].timestamp, timezone.utc).isoformat() if found else "never"},
            )

    return marts_freshness


freshness_check_job = dg.define_asset_job(
    "marts_freshness_check",
    selection=dg.AssetSelection.checks(*[dg.AssetCheckKey(dg.AssetKey(k), FRESHNESS_CHECK_NAME) for k in FRESH_MARTS]),
    description="Check that yesterday's marts were built by the deadline hour.",
)


def build_freshness_schedule(config: AutomationConfig = AutomationConfig()) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="marts_freshness", job=freshness_check_job, cron_schedule=f"5 {config.freshness_deadline_hour} * * *",
        execution_timezone="UTC", default_status=schedule_status(config),
        description=f"At {config.freshness_deadline_hour:02d}:05 UTC, check yesterday's marts are built (warns in the UI).",
    )



# -- run failures -----------------------------------------------------------------------------
def run_partition(tags: dict) -> Optional[str]:
    if tags.get("dagster/partition"):
        return tags["dagster/partition"]
    start, end = tags.get("dagster/asset_partition_range_start"), tags.get("dagster/asset_partition_range_end")
    if start:
        return start if start == end else f"{start}..{end}"
    return None


def failure_line(job: str, run_id: str, partition: Optional[str], failures: list[tuple[str, list[str], str]]) -> str:
    """One line naming the assets and partition: `failures` holds (step, its asset keys, first error line)."""
    where = f"partition {partition}" if partition else "unpartitioned"
    if not failures:
        return f"RUN FAILED job={job} run={run_id} {where}: the run failed before any step (see the run's log)"
    parts = [f"assets {','.join(assets) or step} {where} (step {step}): {error}" for step, assets, error in failures]
    return f"RUN FAILED job={job} run={run_id} " + "; ".join(parts)


def _step_assets(context) -> dict[str, list[str]]:
    try:
        graph = context.repository_def.asset_graph
        out: dict[str, list[str]] = {}
        for assets_def in graph.assets_defs:
            if assets_def.is_executable:
                out.setdefault(assets_def.node_def.name, []).extend(k.to_user_string() for k in assets_def.keys)
        return out
    except Exception:  # no repository in the context: fall back to the run's selection
        return {}


def build_run_failure_sensor(config: AutomationConfig = AutomationConfig()) -> dg.SensorDefinition:
    # on by default, whatever ANALYTICS_AUTOMATION says: it only writes a log line, and a failure
    # nobody hears of is the fault it exists for
    @dg.run_failure_sensor(name="run_failure_log", default_status=dg.DefaultSensorStatus.RUNNING,
                           description="Write one clear log line naming the failed assets and partition.")
    def run_failure_log(context: dg.RunFailureSensorContext):
        run = context.dagster_run
        by_step = _step_assets(context)
        selected = {k.to_user_string() for k in (run.asset_selection or [])}
        failures = []
        for event in context.get_step_failure_events():
            err = event.step_failure_data.error if event.step_failure_data else None
            text = (err.cause.message if err and err.cause else (err.message if err else "")) or "failed"
            step = event.step_key or "?"
            assets = [a for a in by_step.get(step.split("[")[0], []) if not selected or a in selected]
            failures.append((step, assets, text.strip().splitlines()[0] if text.strip() else "failed"))
        line = failure_line(run.job_name, run.run_id, run_partition(run.tags), failures)
        log.error(line)
        context.log.error(line)

    return run_failure_log

