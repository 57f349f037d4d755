"""Cloudflare Stream client: GraphQL analytics, split into ranges of at most 31 days, paged on uid.

GraphQL reports errors inside HTTP 200 answers; those are errors here too (retried when they
are rate limits or overload, raised at once otherwise).
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Callable

from analytics_pipeline.lib.providers.config import CloudflareConfig
from analytics_pipeline.lib.providers.http import Answer, ProviderError, ProviderHttp
from analytics_pipeline.lib.providers.keys import ci_get, ci_path

MAX_RANGE_DAYS = 31
MAX_PAGES = 10_000

MINUTES_DATASET = "streamMinutesViewedAdaptiveGroups"
PLAYBACK_DATASET = "videoPlaybackEventsAdaptiveGroups"

# Names of the stored answers in `landing/providers/cloudflare/<day>/`; the parse reads them back.
MINUTES_PREFIX = "minutes_viewed_"
PLAYBACK_PREFIX = "playback_events_"

_QUERY = """query ProviderImport($accountTag: string!, $filter: {filter_type}!, $limit: uint64!) {{
  viewer {{
    accounts(filter: {{accountTag: $accountTag}}) {{
      {dataset}(filter: $filter, orderBy: [uid_ASC], limit: $limit) {{
        {fields}
      }}
    }}
  }}
}}"""

MINUTES_QUERY = _QUERY.format(
    filter_type="AccountStreamMinutesViewedAdaptiveGroupsFilter_InputObject",
    dataset=MINUTES_DATASET,
    fields="sum { minutesViewed } dimensions { uid date clientCountryName }",
)
PLAYBACK_QUERY = _QUERY.format(
    filter_type="AccountVideoPlaybackEventsAdaptiveGroupsFilter_InputObject",
    dataset=PLAYBACK_DATASET,
    fields="count sum { timeViewedMinutes } "
    "dimensions { uid date clientCountryName deviceType deviceOs deviceBrowser }",
)

_RETRYABLE_HINTS = ("rate limit", "budget depleted", "too many queries", "try again", "timeout", "timed out")


class CloudflareRetentionError(ProviderError):
    """The day is older than what Cloudflare keeps (90 days): there is nothing to fetch any more."""


def split_range(start: date, end_exclusive: date, max_days: int = MAX_RANGE_DAYS) -> list[tuple[date, date]]:
    """[start, end) cut into consecutive [a, b) pieces of at most `max_days` days."""
    pieces = []
    a = start
    while a < end_exclusive:
        b = min(a + timedelta(days=max_days), end_exclusive)
        pieces.append((a, b))
        a = b
    return pieces


def _graphql_problem(answer: Answer) -> tuple[str, bool, float | None] | None:
    errors = ci_get(answer.data, "errors")
    if errors:
        messages = []
        for e in errors if isinstance(errors, list) else [errors]:
            messages.append(str(ci_get(e, "message", e)))
        text = "; ".join(messages)
        lowered = text.lower()
        retryable = any(h in lowered for h in _RETRYABLE_HINTS)
        wait = None
        m = re.search(r"after (\d+) (second|minute)", lowered)
        if m:
            wait = float(m.group(1)) * (60 if m.group(2) == "minute" else 1)
        return f"GraphQL error: {text}", retryable, wait
    if ci_get(answer.data, "data") is None:
        return "GraphQL answer without data", False, None
    return None


def rows_of(data: dict, dataset: str) -> list[dict]:
    """The groups of one dataset in a GraphQL answer (every account, in order)."""
    accounts = ci_path(data, "data", "viewer", "accounts", default=[]) or []
    rows: list[dict] = []
    for account in accounts:
        rows.extend(ci_get(account, dataset) or [])
    return rows


def _uid(row: dict) -> str | None:
    uid = ci_path(row, "dimensions", "uid")
    return None if uid is None else str(uid)


class CloudflareClient:
    def __init__(self, config: CloudflareConfig, sleep: Callable[[float], None] = time.sleep, logger=None):
        self.config = config
        self.http = ProviderHttp(
            provider="cloudflare",
            base_url=config.graphql_url,
            headers={"Authorization": f"Bearer {config.api_token}", "Content-Type": "application/json"},
            secrets=[config.api_token],
            policy=config.http,
            sleep=sleep,
            logger=logger,
        )

    def close(self) -> None:
        self.http.close()

    def _post(self, query: str, variables: dict) -> Answer:
        try:
            return self.http.request(
                "POST", self.config.graphql_url, json_body={"query": query, "variables": variables},
                check=_graphql_problem,
            )
        except ProviderError as exc:
            if "older than" in str(exc).lower():
                raise CloudflareRetentionError(str(exc), status=exc.status) from None
            raise

    def _pages(self, query: str, dataset: str, start: date, end_exclusive: date) -> list[Answer]:
        """Every page of one dataset over [start, end): ranges of <= 31 days, paged on uid."""
        limit = self.config.page_limit
        pages: list[Answer] = []
        for a, b in split_range(start, end_exclusive):
            cursor: str | None = None
            for _ in range(MAX_PAGES):
                flt: dict = {"date_geq": a.isoformat(), "date_lt": b.isoformat()}
                if cursor is not None:
                    flt["uid_gt"] = cursor
                answer = self._post(query, {"accountTag": self.config.account_id, "filter": flt, "limit": limit})
                pages.append(answer)
                rows = rows_of(answer.data, dataset)
                if len(rows) < limit:
                    break
                # A full page may stop inside the groups of its last uid: the next page restarts
                # after the uid before it, so that uid comes again complete (the parse de-duplicates).
                uids = [u for u in (_uid(r) for r in rows) if u is not None]
                earlier = [u for u in uids if u != uids[-1]] if uids else []
                if not earlier:
                    raise ProviderError(
                        f"cloudflare {dataset}: one uid has more than {limit} groups in {a}..{b}; "
                        "raise CLOUDFLARE_PAGE_LIMIT"
                    )
                next_cursor = max(earlier)
                if cursor is not None and next_cursor <= cursor:
                    raise ProviderError(f"cloudflare {dataset}: paging did not advance past uid {cursor}")
                cursor = next_cursor
            else:
                raise ProviderError(f"cloudflare {dataset}: more than {MAX_PAGES} pages; stopped")
        return pages

    def minutes_viewed_pages(self, start: date, end_exclusive: date) -> list[Answer]:
        return self._pages(MINUTES_QUERY, MINUTES_DATASET, start, end_exclusive)

    def playback_events_pages(self, start: date, end_exclusive: date) -> list[Answer]:
        return self._pages(PLAYBACK_QUERY, PLAYBACK_DATASET, start, end_exclusive)


def fetch_day(client: CloudflareClient, day: date) -> dict[str, bytes]:
    """Every answer for one day, in memory: file name -> body. Raises before returning anything partial."""
    end = day + timedelta(days=1)
    files: dict[str, bytes] = {}
    for n, page in enumerate(client.minutes_viewed_pages(day, end), start=1):
        files[f"{MINUTES_PREFIX}{n:04d}.json"] = page.body
    for n, page in enumerate(client.playback_events_pages(day, end), start=1):
        files[f"{PLAYBACK_PREFIX}{n:04d}.json"] = page.body
    return files
