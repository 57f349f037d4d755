"""Provider imports (Bunny Stream, Cloudflare Stream) as Dagster assets, checks and a daily schedule."""

import dagster as dg

from analytics_pipeline.defs.providers.assets import assets
from analytics_pipeline.defs.providers.schedules import provider_import_job, provider_import_schedule

# The reconciliation check runs with its asset (a check spec of provider_reconciliation_daily).
asset_checks: list = []
jobs = [provider_import_job]
schedules = [provider_import_schedule]

defs = dg.Definitions(assets=assets, asset_checks=asset_checks, jobs=jobs, schedules=schedules)

__all__ = ["asset_checks", "assets", "defs", "jobs", "schedules"]
