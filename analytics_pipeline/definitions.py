"""Everything Dagster loads: `dagster dev` / `dg dev` from the repository root find `defs` here."""

import dagster as dg

from analytics_pipeline.defs import automation, providers
from analytics_pipeline.defs.ingestion import assets as ingestion
from analytics_pipeline.defs.marts import assets as marts
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.defs.sessions import assets as sessions
from analytics_pipeline.defs.warehouse.assets import warehouse_asset

# The order the CLI builds a range in (see runner.py): ingestion, events, sessions, then these.
MART_KEYS: list[str] = marts.MART_KEYS + ["viewer_progress"]
PROVIDER_FETCH_KEYS = ["bunny_raw_statistics", "cloudflare_raw_analytics"]
PROVIDER_PARSE_KEYS = ["provider_video_daily", "provider_country_daily", "provider_heatmap", "provider_reconciliation_daily"]
EXTRA_PHASES: list[tuple[str, list[str]]] = [("providers", PROVIDER_FETCH_KEYS + PROVIDER_PARSE_KEYS)]

WAREHOUSE_TABLES = MART_KEYS + PROVIDER_PARSE_KEYS


def build_defs(lake: LakeResource | None = None) -> dg.Definitions:
    """The whole code location, with the lake resource bound to `lake` (the environment's by default)."""
    from analytics_pipeline.lib.marts_schemas import MART_SCHEMAS

    return dg.Definitions(
        assets=automation.with_freshness([
            ingestion.video_catalog, ingestion.ingest_arrivals, ingestion.events, sessions.sessionize,
            marts.daily_marts, marts.viewer_progress, *providers.assets,
            warehouse_asset(WAREHOUSE_TABLES, dict(MART_SCHEMAS)),
        ]),
        asset_checks=[*providers.asset_checks, *automation.asset_checks],
        jobs=[*providers.jobs, *automation.jobs],
        schedules=[*providers.schedules, *automation.schedules],
        sensors=automation.sensors,
        resources={"lake": lake or LakeResource()},
    )


defs = build_defs()
