"""Bunny Stream client: video list (all pages), statistics per video and day, heatmaps.

Each call returns the answer body exactly as received, so the fetch can store it unchanged.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Callable
from urllib.parse import quote

from analytics_pipeline.lib.providers.config import BunnyConfig
from analytics_pipeline.lib.providers.http import Answer, ProviderError, ProviderHttp
from analytics_pipeline.lib.providers.keys import ci_get

MAX_PAGES = 10_000  # a guard against a server that never says "last page"

# Names of the stored answers in `landing/providers/bunny/<day>/`; the parse reads them back.
VIDEOS_PREFIX = "videos_page_"
STATISTICS_PREFIX = "statistics_"
HEATMAP_PREFIX = "heatmap_"


def file_id(guid: str) -> str:
    """A provider id made safe for a file name (ids are normally plain GUIDs, left as they are)."""
    return quote(guid, safe="-_.")


class BunnyClient:
    def __init__(self, config: BunnyConfig, sleep: Callable[[float], None] = time.sleep, logger=None):
        self.config = config
        self.http = ProviderHttp(
            provider="bunny",
            base_url=config.api_url,
            headers={"AccessKey": config.api_key, "Accept": "application/json"},
            secrets=[config.api_key],
            policy=config.http,
            sleep=sleep,
            logger=logger,
        )
        self.library = quote(config.library_id, safe="")

    def close(self) -> None:
        self.http.close()

    def video_pages(self) -> list[Answer]:
        """Every page of the library's video list, from the first to the last."""
        pages: list[Answer] = []
        per_page = self.config.items_per_page
        seen = 0
        for page in range(1, MAX_PAGES + 1):
            answer = self.http.request(
                "GET",
                f"/library/{self.library}/videos",
                params={"page": page, "itemsPerPage": per_page, "orderBy": "date"},
            )
            pages.append(answer)
            items = ci_get(answer.data, "items") or []
            total = ci_get(answer.data, "totalItems")
            seen += len(items)
            if not items or len(items) < per_page or (isinstance(total, int) and seen >= total):
                return pages
        raise ProviderError(f"bunny video list: more than {MAX_PAGES} pages; stopped")

    def videos(self) -> list[dict]:
        return [v for page in self.video_pages() for v in (ci_get(page.data, "items") or [])]

    def statistics(self, date_from: date, date_to: date, video_guid: str | None = None) -> Answer:
        """Daily statistics over [date_from, date_to] (UTC days, both included)."""
        params = {
            "dateFrom": f"{date_from.isoformat()}T00:00:00Z",
            "dateTo": f"{date_to.isoformat()}T23:59:59Z",
            "hourly": "false",
        }
        if video_guid:
            params["videoGuid"] = video_guid
        return self.http.request("GET", f"/library/{self.library}/statistics", params=params)

    def heatmap(self, video_guid: str) -> Answer | None:
        """The video's heatmap, or None when the library has none for it (heatmaps off, too few views)."""
        return self.http.request(
            "GET", f"/library/{self.library}/videos/{quote(video_guid, safe='')}/heatmap", allow_404=True
        )


def fetch_day(client: BunnyClient, day: date, with_heatmaps: bool = True) -> dict[str, bytes]:
    """Every answer for one day, in memory: file name -> body. Raises before returning anything partial."""
    files: dict[str, bytes] = {}
    pages = client.video_pages()
    for n, page in enumerate(pages, start=1):
        files[f"{VIDEOS_PREFIX}{n:04d}.json"] = page.body
    guids = []
    for page in pages:
        for video in ci_get(page.data, "items") or []:
            guid = ci_get(video, "guid")
            if guid and guid not in guids:
                guids.append(str(guid))
    for guid in guids:
        files[f"{STATISTICS_PREFIX}{file_id(guid)}.json"] = client.statistics(day, day, guid).body
        if with_heatmaps:
            answer = client.heatmap(guid)
            if answer is not None:
                files[f"{HEATMAP_PREFIX}{file_id(guid)}.json"] = answer.body
    return files
