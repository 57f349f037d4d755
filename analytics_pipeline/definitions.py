"""The code location: `dagster dev`, `dg` and the CLI all load it.

`defs` is built lazily (`@dg.definitions`), from the one `Settings` read when Dagster loads the
code location; importing this module reads and writes nothing. `build_defs(settings)` binds the
asset modules' declarations to those settings: the partitions' first day, code versions, owners,
column schemas and the marts' freshness policy.
"""

from __future__ import annotations

import hashlib
import importlib.metadata

import dagster as dg

from analytics_pipeline.defs import automation, providers
from analytics_pipeline.defs.ingestion import assets as ingestion
from analytics_pipeline.defs.keys import WAREHOUSE_TABLES
from analytics_pipeline.defs.marts import assets as marts
from analytics_pipeline.defs.metadata import column_schema
from analytics_pipeline.defs.partitions import daily_partitions_from
from analytics_pipeline.defs.reports.assets import build_report_defs
from analytics_pipeline.defs.resources import Lake
from analytics_pipeline.defs.sessions import assets as sessions
from analytics_pipeline.defs.warehouse.assets import warehouse_asset
from analytics_pipeline.lib.columns import TABLES
from analytics_pipeline.lib.duck import SQL_DIR
from analytics_pipeline.settings import Settings, load_settings

OWNERS = ["team:data-engineering"]


def _version() -> str:
    try:
        return importlib.metadata.version("analytics_pipeline")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def code_version(key: str) -> str:
    """The package version, plus a digest of the asset's own SQL model where it has one."""
    version = _version()
    model = SQL_DIR / "marts" / f"{key}.sql"
    if model.exists():
        return f"{version}-{hashlib.sha1(model.read_bytes()).hexdigest()[:10]}"
    return version


def _bind(spec: dg.AssetSpec, partitions: dg.PartitionsDefinition) -> dg.AssetSpec:
    key = spec.key.to_user_string()
    metadata = {"dagster/column_schema": column_schema(key)} if key in TABLES else {}
    return spec.replace_attributes(
        partitions_def=partitions if spec.partitions_def is not None else None,
        code_version=code_version(key), owners=OWNERS,
    ).merge_attributes(tags={"domain": spec.group_name or "default"}, metadata=metadata)


def build_defs(settings: Settings) -> dg.Definitions:
    """The whole code location, bound to `settings`."""
    from analytics_pipeline.lib.marts_schemas import MART_SCHEMAS

    partitions = daily_partitions_from(settings.start_date)
    assets = [
        ingestion.video_catalog, ingestion.ingest_arrivals, ingestion.events, sessions.sessionize,
        marts.marts_and_progress, *providers.assets,
        warehouse_asset(WAREHOUSE_TABLES, dict(MART_SCHEMAS)),
    ]
    assets = dg.map_asset_specs(lambda spec: _bind(spec, partitions), assets)
    assets = automation.with_freshness(assets, settings.automation)
    return dg.Definitions.merge(
        dg.Definitions(
            assets=assets,
            asset_checks=providers.asset_checks,
            jobs=providers.jobs,
            schedules=providers.schedules,
            resources={"lake": Lake(settings)},
        ),
        automation.build_automation(settings.automation),
        build_report_defs(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs(load_settings())
