"""The DuckDB warehouse file analysts open: views over the lake and period macros."""


import dagster as dg

from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib import schemas
from analytics_pipeline.lib.sessionize import PLAYBACK_SESSIONS, PLAYED_RANGES, QUALITY_CHANGES
from analytics_pipeline.lib.warehouse import build_warehouse

WAREHOUSE_DEPS = ["video_catalog", "events", "events_quarantine", "ingest_audit", "playback_sessions", "played_ranges",
                  "quality_changes"]
EMPTY_TABLES = {
    "events": schemas.EVENTS, "events_quarantine": schemas.EVENTS_QUARANTINE, "ingest_audit": schemas.INGEST_AUDIT,
    "video_catalog": schemas.VIDEO_CATALOG, "playback_sessions": PLAYBACK_SESSIONS, "played_ranges": PLAYED_RANGES,
    "quality_changes": QUALITY_CHANGES,
}


def warehouse_asset(extra_deps: list[str], extra_empty: dict) -> dg.AssetsDefinition:
    @dg.asset(
        name="warehouse",
        group_name="warehouse",
        deps=WAREHOUSE_DEPS + extra_deps,
        pool="warehouse",
        kinds={"duckdb"},
    )
    def _warehouse(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
        """warehouse/analytics.duckdb: one view per lake table plus the period macros, replaced atomically when they change."""
        settings = lake.get_settings()
        built = build_warehouse(lake.get_storage(), settings.warehouse_path, {**EMPTY_TABLES, **extra_empty})
        how = "rebuilt" if built.rebuilt else "kept (no new table, schema or code; its views see new days)"
        context.log.info(f"warehouse {settings.warehouse_path}: {len(built.tables)} views, {how}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(settings.warehouse_path),
            "views": dg.MetadataValue.json(sorted(built.tables)),
            "rebuilt": dg.MetadataValue.bool(built.rebuilt),
        })

    return _warehouse
