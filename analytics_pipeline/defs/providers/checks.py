"""Checks of the provider import: the reconciliation's flagged differences (a warning, not a failure)."""

from __future__ import annotations

import dagster as dg
import pyarrow as pa

from analytics_pipeline.defs.providers.preview import markdown_preview
from analytics_pipeline.lib.providers.reconcile import flagged_rows

RECONCILIATION_CHECK = "provider_figures_within_threshold"

reconciliation_check_spec = dg.AssetCheckSpec(
    name=RECONCILIATION_CHECK,
    asset="provider_reconciliation_daily",
    description="Warns when a provider's views or watch time differ from ours by more than the threshold.",
)


def reconciliation_check_result(reconciliation: pa.Table, threshold: float) -> dg.AssetCheckResult:
    flagged = flagged_rows(reconciliation)
    listing = pa.Table.from_pylist(flagged, schema=reconciliation.schema) if flagged else reconciliation.slice(0, 0)
    return dg.AssetCheckResult(
        check_name=RECONCILIATION_CHECK,
        asset_key="provider_reconciliation_daily",
        passed=not flagged,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(flagged)} provider x video rows differ from ours by more than {threshold:.0%}"
            if flagged else f"every compared video within {threshold:.0%}"
        ),
        metadata={
            "flagged_count": len(flagged),
            "threshold": float(threshold),
            "flagged_videos": dg.MetadataValue.json(
                [{"provider": r["provider"], "video_id": r["video_id"]} for r in flagged]
            ),
            "flagged": dg.MetadataValue.md(markdown_preview(listing, limit=50, columns=[
                "provider", "video_id", "provider_video_id", "views_ours", "views_theirs", "views_rel_diff",
                "watch_time_s_ours", "watch_time_s_theirs", "watch_time_rel_diff",
            ])),
        },
    )
