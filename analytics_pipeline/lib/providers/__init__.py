"""Provider imports (Bunny Stream, Cloudflare Stream): clients, parsing, reconciliation. No Dagster here."""

from analytics_pipeline.lib.providers.catalog import enrich_catalog, fetch_bunny_videos
from analytics_pipeline.lib.providers.config import ProvidersConfig, providers_config
from analytics_pipeline.lib.providers.http import ProviderAuthError, ProviderError

__all__ = [
    "ProviderAuthError",
    "ProviderError",
    "ProvidersConfig",
    "enrich_catalog",
    "fetch_bunny_videos",
    "providers_config",
]
