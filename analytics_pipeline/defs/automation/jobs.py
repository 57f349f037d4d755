"""The jobs schedules and sensors launch: the day's whole build, one arrival's ingestion, a rebuild of event days."""

import dagster as dg

from analytics_pipeline.defs.keys import CATALOG_KEYS, INGEST_KEYS, REBUILD_KEYS

daily_build_job = dg.define_asset_job(
    "daily_build",
    selection=dg.AssetSelection.assets(*CATALOG_KEYS, *INGEST_KEYS, *REBUILD_KEYS),
    description="Catalog, ingestion of the arrival day, events, views and marts of that day, then the warehouse.",
)

ingest_arrival_job = dg.define_asset_job(
    "ingest_arrival",
    selection=dg.AssetSelection.assets(*INGEST_KEYS),
    description="Ingest the landing files of one arrival day (the touched-days sensor then rebuilds the event days).",
)

rebuild_event_days_job = dg.define_asset_job(
    "rebuild_event_days",
    selection=dg.AssetSelection.assets(*REBUILD_KEYS),
    description="Rebuild events, views and marts of a range of event days (late data), then the warehouse.",
)

jobs = [daily_build_job, ingest_arrival_job, rebuild_event_days_job]
