"""Checks that would catch a wrong mart, as queries over one day's written partitions."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.marts import MART_SCHEMAS
from analytics_pipeline.lib.storage import Storage


CHECKED_MARTS = ("platform_daily", "video_daily", "course_daily", "video_heatmap_daily", "video_counters")


def mart_problems(storage: Storage, day: date, con=None) -> dict[str, list]:
    """check name -> offending rows (empty when the check passes). `con`: a connection the caller
    keeps for the days of its run (its views are replaced), else one of this call's own."""
    with contextlib.nullcontext(con) if con is not None else duck.connect() as con:
        for t in CHECKED_MARTS:
            duck.register_partitions(con, t, storage, t, [day], MART_SCHEMAS[t])
        duck.register_partitions(con, "prev_counters", storage, "video_counters", [day - timedelta(days=1)],
                                 MART_SCHEMAS["video_counters"])
        duck.register_snapshot(con, "video_catalog", storage, "video_catalog", schemas.VIDEO_CATALOG)
        return _problems(con)


def _problems(con) -> dict[str, list]:
    q = {
        "platform_views_equal_sum_over_videos": """
            SELECT p.views, (SELECT coalesce(sum(views), 0) FROM video_daily) AS sum_over_videos
            FROM platform_daily p WHERE p.views <> (SELECT coalesce(sum(views), 0) FROM video_daily)""",
        "course_views_equal_sum_over_videos": """
            SELECT c.course_id, c.views, coalesce(v.views, 0) AS sum_over_videos FROM course_daily c
            LEFT JOIN (SELECT course_id, sum(views) AS views FROM video_daily WHERE course_id IS NOT NULL GROUP BY 1) v
                   USING (course_id)
            WHERE c.views <> coalesce(v.views, 0)""",
        "heatmap_views_within_video_views": """
            SELECT h.video_id, h.segment_index, h.views, v.views AS video_views FROM video_heatmap_daily h
            LEFT JOIN video_daily v USING (video_id) WHERE h.views > coalesce(v.views, 0)""",
        "counters_never_decrease_within_month": """
            SELECT c.video_id, p.views_month_to_date AS before, c.views_month_to_date AS after
            FROM video_counters c JOIN prev_counters p USING (video_id)
            WHERE (month(p.date) = month(c.date) AND c.views_month_to_date < p.views_month_to_date)
               OR c.views_total < p.views_total""",
        "completion_rate_within_0_1": """
            SELECT 'video' AS level, video_id AS id, completion_rate FROM video_daily WHERE completion_rate NOT BETWEEN 0 AND 1
            UNION ALL SELECT 'course', course_id, completion_rate FROM course_daily WHERE completion_rate NOT BETWEEN 0 AND 1
            UNION ALL SELECT 'platform', NULL, completion_rate FROM platform_daily WHERE completion_rate NOT BETWEEN 0 AND 1""",
    }
    return {name: [list(r) for r in con.execute(sql).fetchall()] for name, sql in q.items()}


MART_CHECKS = {
    "platform_views_equal_sum_over_videos": ("platform_daily", "Platform views equal the sum of video views."),
    "course_views_equal_sum_over_videos": ("course_daily", "A course's views equal the sum over its videos."),
    "heatmap_views_within_video_views": ("video_heatmap_daily", "No segment has more views than its video."),
    "counters_never_decrease_within_month": ("video_counters", "Month-to-date and total views never decrease."),
    "completion_rate_within_0_1": ("video_daily", "Completion rates lie in [0, 1]."),
}
