"""Everything Dagster loads: `dagster dev` / `dg dev` from the repository root find `defs` here."""

from __future__ import annotations

import dagster as dg

from analytics_pipeline.defs.ingestion import assets as ingestion
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.defs.sessions import assets as sessions
from analytics_pipeline.defs.warehouse.assets import warehouse_asset

warehouse = warehouse_asset([], {})

defs = dg.Definitions(
    assets=[ingestion.video_catalog, ingestion.ingest_arrivals, ingestion.events, sessions.sessionize, warehouse],
    resources={"lake": LakeResource()},
)
