"""The daily provider import: yesterday's figures, once the providers have settled them."""


from datetime import timedelta

import dagster as dg


provider_import_job = dg.define_asset_job(
    "provider_import",
    selection=dg.AssetSelection.groups("providers"),
    description="Fetch, parse and reconcile the providers' figures of one day.",
)


@dg.schedule(job=provider_import_job, cron_schedule="30 4 * * *", execution_timezone="UTC")
def provider_import_schedule(context: dg.ScheduleEvaluationContext):
    """Every day at 04:30 UTC, import the previous UTC day."""
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    return dg.RunRequest(run_key=f"provider_import:{day}", partition_key=day)
