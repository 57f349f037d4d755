"""The marts' checks find a wrong day, on a connection of their own or on a cursor a run keeps."""

from __future__ import annotations

from contextlib import closing
from datetime import date, timedelta

import pyarrow as pa

from analytics_pipeline.lib import duck
from analytics_pipeline.lib.mart_checks import CHECKED_MARTS, mart_problems
from analytics_pipeline.lib.marts import MART_SCHEMAS
from analytics_pipeline.lib.storage import Storage

D = date(2026, 3, 2)


def _write_day(storage: Storage, day: date, platform_views: int, total_views: int) -> None:
    """One video with 3 views on `day`; the platform row and the running total as given."""
    rows = {
        "platform_daily": [{"views": platform_views, "completion_rate": 0.5}],
        "video_daily": [{"video_id": "v1", "course_id": "c1", "views": 3, "completion_rate": 0.5}],
        "course_daily": [{"course_id": "c1", "views": 3, "completion_rate": 0.5}],
        "video_heatmap_daily": [{"video_id": "v1", "segment_index": 0, "views": 3}],
        "video_counters": [{"video_id": "v1", "views_today": 3, "views_month_to_date": total_views,
                            "views_total": total_views}],
    }
    for table in CHECKED_MARTS:
        storage.write_partition(table, day, pa.Table.from_pylist(rows[table], schema=MART_SCHEMAS[table]))


def _failed(problems: dict[str, list]) -> dict[str, list]:
    return {check: bad for check, bad in problems.items() if bad}


def test_a_wrong_day_is_found_and_the_next_right_day_on_the_same_cursor_is_not(tmp_path):
    storage = Storage(str(tmp_path))
    _write_day(storage, D - timedelta(days=1), platform_views=3, total_views=10)
    _write_day(storage, D, platform_views=5, total_views=8)  # platform 5 <> 3; the total went down
    _write_day(storage, D + timedelta(days=1), platform_views=3, total_views=11)

    wrong = {"platform_views_equal_sum_over_videos": [[5, 3]], "counters_never_decrease_within_month": [["v1", 10, 8]]}
    assert _failed(mart_problems(storage, D)) == wrong
    with duck.connect() as run_con, closing(duck.cursor(run_con)) as checks_con:
        assert _failed(mart_problems(storage, D, checks_con)) == wrong
        # the views of the day before are replaced, not added to
        assert _failed(mart_problems(storage, D + timedelta(days=1), checks_con)) == {}
