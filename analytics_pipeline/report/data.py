"""Everything the pages show, read from the warehouse once per report (not once per page).

Entity figures come from the period macros themselves (`platform_stats`, `video_stats`,
`course_stats`, `creator_stats`, `popular_videos`), so a page and an analyst's query of the same
range agree; per-entity details are read in one query each and grouped here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import cached_property

from analytics_pipeline.report.warehouse import Warehouse

TOP_VIDEOS = 10


def _group(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(r)
    return out


class ReportData:
    def __init__(self, warehouse: Warehouse):
        self.wh = warehouse
        self.start, self.end = warehouse.start, warehouse.end
        self.offers = warehouse.offers

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous_range(self) -> tuple[date, date]:
        """The range of equal length just before this one."""
        return self.start - timedelta(days=self.days), self.start - timedelta(days=1)

    # -- the macros ---------------------------------------------------------------------
    @cached_property
    def platform(self) -> dict:
        return self.wh.macro_rows("platform_stats")[0]

    @cached_property
    def previous_platform(self) -> dict:
        start, end = self.previous_range
        return self.wh.macro_rows("platform_stats", start=start, end=end)[0]

    @cached_property
    def videos(self) -> dict[str, dict]:
        return {r["video_id"]: r for r in self.wh.macro_rows("video_stats") if r["video_id"] is not None}

    @cached_property
    def courses(self) -> dict[str, dict]:
        return {r["course_id"]: r for r in self.wh.macro_rows("course_stats")}

    @cached_property
    def creators(self) -> dict[str, dict]:
        return {r["creator_id"]: r for r in self.wh.macro_rows("creator_stats")}

    @cached_property
    def popular(self) -> list[dict]:
        return self.wh.macro_rows("popular_videos", TOP_VIDEOS)

    # -- details ------------------------------------------------------------------------
    @cached_property
    def catalog(self) -> dict[str, dict]:
        return {r["video_id"]: r for r in self.wh.rows("SELECT * FROM video_catalog")}

    @cached_property
    def course_titles(self) -> dict[str, str]:
        return {v["course_id"]: v.get("course_title") for v in self.catalog.values() if v.get("course_id")}

    @cached_property
    def creator_names(self) -> dict[str, str]:
        return {v["creator_id"]: v.get("creator_name") for v in self.catalog.values() if v.get("creator_id")}

    def lesson_order(self, video_id: str) -> tuple:
        """A course's lessons in order: catalog `position` when it has one, else publication, then id."""
        v = self.catalog.get(video_id, {})
        position = v.get("position")
        return (position is None, position or 0, str(v.get("published_at") or ""), video_id)

    @cached_property
    def platform_days(self) -> list[dict]:
        return self.wh.rows("SELECT * FROM platform_daily WHERE date BETWEEN ? AND ? ORDER BY date",
                            [self.start, self.end])

    @cached_property
    def creator_days(self) -> dict[str, list[dict]]:
        return _group(self.wh.rows(
            "SELECT * FROM creator_daily WHERE date BETWEEN ? AND ? ORDER BY creator_id, date",
            [self.start, self.end]), "creator_id")

    @cached_property
    def retention(self) -> dict[str, list[dict]]:
        if self.offers.has("video_retention"):  # insights.md's macro, once the warehouse has it
            rows = self.wh.macro_rows("video_retention")
            for r in rows:
                r.setdefault("segment_index", r.get("segment"))
                r["from_s"] = r["segment_index"] * 10
        else:
            rows = self.wh.query("retention")
        return _group(rows, "video_id")

    @cached_property
    def key_moments(self) -> dict[str, list[dict]]:
        return _group(self.wh.macro_rows("key_moments"), "video_id") if self.offers.has("key_moments") else {}

    @cached_property
    def breakdowns(self) -> dict[tuple, list[dict]]:
        """(scope, dimension, video_id or None) -> rows, most viewed first."""
        out: dict[tuple, list[dict]] = defaultdict(list)
        for r in self.wh.query("breakdowns"):
            out[(r["scope"], r["dimension"], r["video_id"])].append(r)
        return out

    @cached_property
    def health_days(self) -> list[dict]:
        return self.wh.query("health")

    @cached_property
    def reconciliation(self) -> dict[str, list[dict]]:
        """Our figures against each provider's, per video, summed over the range's compared days."""
        if not self.offers.has("provider_reconciliation_daily"):
            return {}
        return _group(self.wh.rows(
            "SELECT video_id, provider, count(*) AS days_compared,"
            " count(*) FILTER (WHERE provider_missing) AS days_missing,"
            " count(*) FILTER (WHERE flagged) AS days_flagged,"
            " sum(views_ours) AS views_ours, sum(views_theirs) AS views_theirs,"
            " sum(watch_time_s_ours) AS watch_time_s_ours, sum(watch_time_s_theirs) AS watch_time_s_theirs"
            " FROM provider_reconciliation_daily WHERE date BETWEEN ? AND ?"
            " GROUP BY video_id, provider ORDER BY video_id, provider", [self.start, self.end]), "video_id")

    @cached_property
    def video_days(self) -> dict[str, dict]:
        """Per video, the range's sums of video_daily's count columns that insights.md adds (quartiles)."""
        wanted = [c for c in ("plays_started", "reached_25", "reached_50", "reached_75", "reached_95")
                  if self.offers.has_column("video_daily", c)]
        if len(wanted) < 5:
            return {}
        sums = ", ".join(f"CAST(sum({c}) AS BIGINT) AS {c}" for c in wanted)
        return {r["video_id"]: r for r in self.wh.rows(
            f"SELECT video_id, {sums} FROM video_daily WHERE date BETWEEN ? AND ? GROUP BY video_id",
            [self.start, self.end])}

    def optional(self, name: str, key: str, *extra) -> dict[str, list[dict]]:
        """Rows of a table or period macro insights.md adds, grouped by `key`; none while the warehouse lacks it."""
        cache = self.__dict__.setdefault("_optional", {})
        if name not in cache:
            if not self.offers.has(name):
                cache[name] = {}
            elif name in self.offers.macros:
                cache[name] = _group(self.wh.macro_rows(name, *extra), key)
            else:
                cache[name] = _group(self.wh.rows(f"SELECT * FROM {name}"), key)
        return cache[name]
