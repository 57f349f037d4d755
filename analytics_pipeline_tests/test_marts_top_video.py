"""creator_daily.top_video_id (insights.md "Viewers and creators"): by engagement score among
videos with at least 10 views that day, else the most viewed video."""

from __future__ import annotations

from datetime import timedelta

from analytics_pipeline_tests.test_marts_inputs import D, at, marts_of, rows_by, view


def views_of(video_id: str, n: int, watch_s: float = 30.0, prefix: str = "", **kw) -> list[dict]:
    t = at(D, 10)
    return [view(f"{prefix}{video_id}-{i}", video_id, f"u{prefix}{video_id}{i}", t, t + timedelta(minutes=1),
                 watch_time_s=watch_s, **kw) for i in range(n)]


def top_video(sessions) -> str | None:
    return rows_by(marts_of(D, sessions=sessions)["creator_daily"], "creator_id")["k1"]["top_video_id"]


def test_a_single_view_with_a_huge_score_does_not_beat_a_video_with_ten_views():
    # v2: 1 view with 5 saves -> engagement score 100 (rate 500 %); v1: 10 plain views -> score 0
    sessions = views_of("v1", 10) + views_of("v2", 1, saves=5)
    marts = marts_of(D, sessions=sessions)
    videos = rows_by(marts["video_daily"], "video_id")
    assert videos["v2"]["engagement_score"] == 100.0 and videos["v1"]["engagement_score"] == 0.0
    assert rows_by(marts["creator_daily"], "creator_id")["k1"]["top_video_id"] == "v1"


def test_among_videos_with_ten_views_the_highest_score_wins():
    # v1: 12 views, 1 completion -> score 40/12 = 3.3; v2: 10 views, 1 save -> 30/10 = 3.0
    sessions = (views_of("v1", 11) + views_of("v1", 1, prefix="c", completed=True)
                + views_of("v2", 9) + views_of("v2", 1, prefix="s", saves=1))
    assert top_video(sessions) == "v1"
    # another save on v2: 60/10 = 6.0 beats v1, although v1 has more views
    assert top_video(sessions + views_of("v2", 1, prefix="x", saves=1, counts_as_view=False)) == "v2"


def test_without_ten_views_the_most_viewed_wins_then_watch_time():
    assert top_video(views_of("v1", 3) + views_of("v2", 4, saves=1)) == "v2"
    assert top_video(views_of("v1", 9, saves=1) + views_of("v2", 9, watch_s=31.0)) == "v2"  # tie: watch time
    assert top_video(views_of("v2", 2) + views_of("v1", 2)) == "v1"  # full tie: smallest id
