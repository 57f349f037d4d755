"""Provider imports: fetch Bunny / Cloudflare answers into landing, parse them into lake tables, reconcile."""


from datetime import date

import dagster as dg

from analytics_pipeline.defs.metadata import column_schema
from analytics_pipeline.defs.partitions import daily_partitions
from analytics_pipeline.defs.providers.checks import reconciliation_check_result, reconciliation_check_spec
from analytics_pipeline.defs.providers.preview import markdown_preview
from analytics_pipeline.defs.resources import LakeResource
from analytics_pipeline.lib.providers import bunny, cloudflare, daily, landing
from analytics_pipeline.lib.providers.config import not_configured_reason, providers_config
from analytics_pipeline.lib.providers.parse import ParseReport

GROUP = "providers"
VIDEO_CATALOG = dg.AssetKey("video_catalog")
PLAYBACK_SESSIONS = dg.AssetKey("playback_sessions")


def _day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)


def _skipped(context, provider: str) -> dg.MaterializeResult:
    reason = not_configured_reason(provider)
    context.log.info(reason)
    return dg.MaterializeResult(metadata={"configured": False, "status": reason, "files_written": 0})


def _stored(context, storage, provider: str, day: date, files: dict[str, bytes]) -> dg.MaterializeResult:
    written = landing.replace_fetched_day(storage, provider, day, files)
    context.log.info(f"{provider}: stored {len(written)} answers for {day}")
    return dg.MaterializeResult(metadata={
        "configured": True,
        "status": "fetched",
        "files_written": len(written),
        "bytes_written": sum(len(b) for b in files.values()),
        "folder": landing.day_dir(provider, day),
        "files": dg.MetadataValue.md("\n".join(f"- `{name}`" for name in sorted(files)[:20])
                                     + (f"\n- ... {len(files) - 20} more" if len(files) > 20 else "")),
    })


@dg.asset(partitions_def=daily_partitions, group_name=GROUP, kinds={"python", "http"})
def bunny_raw_statistics(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Bunny Stream answers of the day (video list, statistics per video, heatmaps), stored unchanged in landing."""
    config = providers_config(lake.get_settings().extra)
    if config.bunny is None:
        return _skipped(context, "bunny")
    day = _day(context)
    client = bunny.BunnyClient(config.bunny, logger=context.log)
    try:
        files = bunny.fetch_day(client, day)  # everything in memory first: a failure writes nothing
    finally:
        client.close()
    return _stored(context, lake.get_storage(), "bunny", day, files)


@dg.asset(partitions_def=daily_partitions, group_name=GROUP, kinds={"python", "graphql"})
def cloudflare_raw_analytics(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Cloudflare Stream GraphQL answers of the day (minutes viewed, player events), stored unchanged in landing."""
    config = providers_config(lake.get_settings().extra)
    if config.cloudflare is None:
        return _skipped(context, "cloudflare")
    day = _day(context)
    client = cloudflare.CloudflareClient(config.cloudflare, logger=context.log)
    try:
        files = cloudflare.fetch_day(client, day)
    except cloudflare.CloudflareRetentionError as exc:
        context.log.warning(f"cloudflare: {exc}; the stored answers of {day}, if any, are kept")
        return dg.MaterializeResult(metadata={
            "configured": True, "status": "beyond Cloudflare retention; nothing fetched", "files_written": 0,
        })
    finally:
        client.close()
    return _stored(context, lake.get_storage(), "cloudflare", day, files)


def _report_metadata(context, report: ParseReport) -> dict:
    if report.unknown_provider_ids:
        context.log.warning(
            f"{len(report.unknown_provider_ids)} provider video ids unknown to the catalog "
            f"(video_id left null): {', '.join(report.unknown_provider_ids[:20])}"
        )
    if report.files_ignored:
        context.log.warning(f"files not recognised as provider answers: {', '.join(report.files_ignored[:20])}")
    return {
        "files_read": report.files_read,
        "files_ignored": dg.MetadataValue.json(report.files_ignored[:100]),
        "figures_outside_day": report.figures_outside_day,
        "unknown_provider_ids": dg.MetadataValue.json(report.unknown_provider_ids[:100]),
        "unknown_provider_id_count": len(report.unknown_provider_ids),
    }


_PARSE_DEPS = [bunny_raw_statistics, cloudflare_raw_analytics, VIDEO_CATALOG]


@dg.multi_asset(
    specs=[
        dg.AssetSpec("provider_video_daily", deps=_PARSE_DEPS, kinds={"parquet"}, group_name=GROUP, metadata={"dagster/column_schema": column_schema("provider_video_daily")},
                     description="Views and watch time (seconds) per provider, video and day, as the providers reported them."),
        dg.AssetSpec("provider_country_daily", deps=_PARSE_DEPS, kinds={"parquet"}, group_name=GROUP, metadata={"dagster/column_schema": column_schema("provider_country_daily")},
                     description="Views and watch time (seconds) per provider, video, day and country, as reported."),
    ],
    partitions_def=daily_partitions,
    can_subset=False,
)
def provider_daily_figures(context: dg.AssetExecutionContext, lake: LakeResource):
    """Parse the day's stored provider answers once into the per-video and per-country tables."""
    storage = lake.get_storage()
    day = _day(context)
    videos, countries, report = daily.provider_day_tables(storage, day, daily.read_catalog(storage))
    for name, table in (("provider_video_daily", videos), ("provider_country_daily", countries)):
        storage.write_partition(name, day, table)
        yield dg.MaterializeResult(asset_key=name, metadata={
            "dagster/row_count": table.num_rows,
            "rows_by_provider": dg.MetadataValue.json(_count_by(table, "provider")),
            **_report_metadata(context, report),
            "preview": dg.MetadataValue.md(markdown_preview(table)),
        })


@dg.asset(partitions_def=daily_partitions, group_name=GROUP, deps=[bunny_raw_statistics, VIDEO_CATALOG],
          kinds={"parquet"}, metadata={"dagster/column_schema": column_schema("provider_heatmap")})
def provider_heatmap(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Snapshot of each video's latest provider heatmap: retention intensity per segment."""
    storage = lake.get_storage()
    table, report = daily.provider_heatmap_table(storage, daily.read_catalog(storage))
    storage.write_snapshot("provider_heatmap", table)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": table.num_rows,
        "videos": len(set(table.column("provider_video_id").to_pylist())),
        **_report_metadata(context, report),
        "preview": dg.MetadataValue.md(markdown_preview(table)),
    })


@dg.asset(
    partitions_def=daily_partitions,
    group_name=GROUP,
    deps=[dg.AssetKey("provider_video_daily"), PLAYBACK_SESSIONS, VIDEO_CATALOG],
    check_specs=[reconciliation_check_spec],
    kinds={"duckdb", "parquet"},
    metadata={"dagster/column_schema": column_schema("provider_reconciliation_daily")},
)
def provider_reconciliation_daily(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """Our views and watch time against each provider's, per video and day, differences above the threshold flagged."""
    settings = lake.get_settings()
    threshold = providers_config(settings.extra).reconcile_threshold
    storage = lake.get_storage()
    day = _day(context)
    table = daily.reconciliation_table(storage, day, daily.read_catalog(storage), threshold)
    storage.write_partition("provider_reconciliation_daily", day, table)
    flagged = sum(1 for f in table.column("flagged").to_pylist() if f)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": table.num_rows,
            "flagged": flagged,
            "threshold": float(threshold),
            "preview": dg.MetadataValue.md(markdown_preview(table, columns=[
                "provider", "video_id", "views_ours", "views_theirs", "views_rel_diff",
                "watch_time_s_ours", "watch_time_s_theirs", "watch_time_rel_diff", "flagged",
            ])),
        },
        check_results=[reconciliation_check_result(table, threshold)],
    )


def _count_by(table, column: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in table.column(column).to_pylist():
        counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


assets = [
    bunny_raw_statistics,
    cloudflare_raw_analytics,
    provider_daily_figures,
    provider_heatmap,
    provider_reconciliation_daily,
]
