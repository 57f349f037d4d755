"""The asset keys of each stage of a day's build, in the order the runner and the jobs build them."""

from analytics_pipeline.defs.marts.assets import MART_KEYS as DAILY_MART_KEYS, PROGRESS_KEYS

CATALOG_KEYS = ["video_catalog"]
INGEST_KEYS = ["event_arrivals", "events_quarantine", "ingest_audit", "arrival_event_days"]
EVENTS_KEYS = ["events"]
SESSION_KEYS = ["playback_sessions", "played_ranges", "quality_changes"]
MART_KEYS = [*DAILY_MART_KEYS, *PROGRESS_KEYS]
PROVIDER_FETCH_KEYS = ["bunny_raw_statistics", "cloudflare_raw_analytics"]
PROVIDER_PARSE_KEYS = ["provider_video_daily", "provider_country_daily", "provider_heatmap", "provider_reconciliation_daily"]
PROVIDER_KEYS = PROVIDER_FETCH_KEYS + PROVIDER_PARSE_KEYS
WAREHOUSE_KEYS = ["warehouse"]
REBUILD_KEYS = [*EVENTS_KEYS, *SESSION_KEYS, *MART_KEYS, *WAREHOUSE_KEYS]
# the lake tables the warehouse exposes beyond the ingestion and session tables
WAREHOUSE_TABLES = MART_KEYS + PROVIDER_PARSE_KEYS
