"""Provider settings, from the BUNNY_*, CLOUDFLARE_* and ANALYTICS_PROVIDER_* variables (`settings.load_settings`).

A provider whose id or key is missing is "not configured": its client is `None` and the
import skips it without failing. Defaults never point at anything but the providers' own hosts,
and tests always override the URLs with a local server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

BUNNY_DEFAULT_URL = "https://video.bunnycdn.com"
CLOUDFLARE_DEFAULT_URL = "https://api.cloudflare.com/client/v4/graphql"
DEFAULT_RECONCILE_THRESHOLD = 0.10


@dataclass(frozen=True)
class HttpPolicy:
    """How patient a client is: per-request timeout, retries, and backoff between attempts."""

    timeout_s: float = 30.0
    max_retries: int = 4  # attempts after the first one
    backoff_s: float = 2.0  # first wait; doubles on each retry unless the server says otherwise
    max_sleep_s: float = 300.0  # cap on any single wait, Retry-After included


@dataclass(frozen=True)
class BunnyConfig:
    library_id: str
    api_key: str = field(repr=False)
    api_url: str = BUNNY_DEFAULT_URL
    items_per_page: int = 100
    http: HttpPolicy = HttpPolicy()


@dataclass(frozen=True)
class CloudflareConfig:
    account_id: str
    api_token: str = field(repr=False)
    graphql_url: str = CLOUDFLARE_DEFAULT_URL
    page_limit: int = 10000
    http: HttpPolicy = HttpPolicy()


@dataclass(frozen=True)
class ProvidersConfig:
    bunny: BunnyConfig | None
    cloudflare: CloudflareConfig | None
    reconcile_threshold: float = DEFAULT_RECONCILE_THRESHOLD

    @property
    def secrets(self) -> list[str]:
        """Every secret value, so callers can check text before it leaves the process."""
        out = []
        if self.bunny:
            out.append(self.bunny.api_key)
        if self.cloudflare:
            out.append(self.cloudflare.api_token)
        return [s for s in out if s]


def _float(env: Mapping[str, str], key: str, default: float) -> float:
    raw = env.get(key)
    return float(raw) if raw not in (None, "") else default


def _int(env: Mapping[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    return int(raw) if raw not in (None, "") else default


def http_policy(env: Mapping[str, str]) -> HttpPolicy:
    d = HttpPolicy()
    return HttpPolicy(
        timeout_s=_float(env, "ANALYTICS_PROVIDER_TIMEOUT_S", d.timeout_s),
        max_retries=_int(env, "ANALYTICS_PROVIDER_MAX_RETRIES", d.max_retries),
        backoff_s=_float(env, "ANALYTICS_PROVIDER_BACKOFF_S", d.backoff_s),
        max_sleep_s=_float(env, "ANALYTICS_PROVIDER_MAX_SLEEP_S", d.max_sleep_s),
    )


def providers_config(env: Mapping[str, str]) -> ProvidersConfig:
    """Build the provider configuration from a mapping of environment variables."""
    policy = http_policy(env)
    bunny = None
    if env.get("BUNNY_LIBRARY_ID") and env.get("BUNNY_API_KEY"):
        bunny = BunnyConfig(
            library_id=env["BUNNY_LIBRARY_ID"].strip(),
            api_key=env["BUNNY_API_KEY"].strip(),
            api_url=(env.get("BUNNY_API_URL") or BUNNY_DEFAULT_URL).rstrip("/"),
            items_per_page=_int(env, "BUNNY_ITEMS_PER_PAGE", 100),
            http=policy,
        )
    cloudflare = None
    if env.get("CLOUDFLARE_ACCOUNT_ID") and env.get("CLOUDFLARE_API_TOKEN"):
        cloudflare = CloudflareConfig(
            account_id=env["CLOUDFLARE_ACCOUNT_ID"].strip(),
            api_token=env["CLOUDFLARE_API_TOKEN"].strip(),
            graphql_url=env.get("CLOUDFLARE_GRAPHQL_URL") or CLOUDFLARE_DEFAULT_URL,
            page_limit=_int(env, "CLOUDFLARE_PAGE_LIMIT", 10000),
            http=policy,
        )
    return ProvidersConfig(
        bunny=bunny,
        cloudflare=cloudflare,
        reconcile_threshold=_float(env, "ANALYTICS_RECONCILE_THRESHOLD", DEFAULT_RECONCILE_THRESHOLD),
    )


def not_configured_reason(provider: str) -> str:
    needed = {
        "bunny": "BUNNY_LIBRARY_ID and BUNNY_API_KEY",
        "cloudflare": "CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN",
    }[provider]
    return f"{provider} is not configured (set {needed}); skipped"
