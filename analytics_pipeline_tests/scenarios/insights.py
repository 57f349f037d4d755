"""Insight scenarios (insights.md): raw player events and, computed by hand from the spec, the
experience scores, quality switches, retention figures and key moments they must give.

Ids are disjoint from scenarios/playback.py. Everything happens on its `DAY`.
"""

from __future__ import annotations

import math
from datetime import timedelta

from analytics_pipeline_tests.scenarios.playback import at, timeline, video

T0 = at("09:00:00")


def _start(n: int):
    return T0 + timedelta(minutes=2 * n)


# --- one view per score branch, on vid-scores (600 s) -------------------------------------------
SCORES_VIDEO = video("vid-scores", 600)
SCORE_EVENTS = [
    # a fatal error after playing: playback_success 0, experience 0
    *timeline("sc-fail", "vid-scores", _start(0), [
        (0, "view_start", 0), (1, "playing", 0), (11, "heartbeat", 10),
        (12, "error", 11, {"error_code": "networkError", "error_fatal": True}),
    ]),
    # exits before start after 3 s: 50; nothing else applies
    *timeline("sc-ebvs-long", "vid-scores", _start(1), [(0, "view_start", 0), (0.5, "play", 0), (3, "view_end", 0)]),
    # exits before start in 0.5 s: null everywhere
    *timeline("sc-ebvs-short", "vid-scores", _start(2), [(0, "view_start", 0), (0.5, "view_end", 0)]),
    # startup 2 s, no rebuffer: startup 100*8/10 = 80, smoothness 100, experience 90
    *timeline("sc-smooth", "vid-scores", _start(3), [
        (0, "view_start", 0), (2, "playing", 0), (12, "heartbeat", 10), (22, "heartbeat", 20), (23, "view_end", 21),
    ]),
    # startup 8 s (50); two 2-s rebuffers over 31 s watched
    *timeline("sc-stalls", "vid-scores", _start(4), [
        (0, "view_start", 0), (8, "playing", 0),
        (18, "heartbeat", 10), (20, "buffer_start", 12), (22, "buffer_end", 12),   # 0..10, 10..12, stall 2 s
        (30, "heartbeat", 20), (32, "buffer_start", 22), (34, "buffer_end", 22),   # 12..20, 20..22, stall 2 s
        (42, "heartbeat", 30), (43, "view_end", 31),                               # 22..30, 30..31
    ]),
    # engagement only: not a view, no score
    *timeline("sc-save", "vid-scores", _start(5), [(0, "save", None)]),
    # quality switches: first (no previous), up, down, same
    *timeline("sc-quality", "vid-scores", _start(6), [
        (0, "view_start", 0),
        (1, "quality_change", 0, {"rendition": "480p", "bitrate_kbps": 1400}),
        (2, "playing", 0),
        (12, "heartbeat", 10),
        (13, "quality_change", 11, {"rendition": "720p", "bitrate_kbps": 2800}),
        (20, "quality_change", 18, {"rendition": "360p", "bitrate_kbps": 800}),
        (25, "quality_change", 23, {"rendition": "360p", "bitrate_kbps": 800}),
        (30, "view_end", 28),
    ]),
]

STALLS_SMOOTHNESS = (100 / math.sqrt(1 + (2 / 2) ** 2) + 100 * math.exp(-10 * 4 / (4 + 31))) / 2
EXPECTED_SCORES = {  # view_id -> (playback_success, startup, smoothness, experience)
    "sc-fail": (0.0, 100 * 8 / 9, 100.0, 0.0),
    "sc-ebvs-long": (50.0, None, None, 50.0),
    "sc-ebvs-short": (None, None, None, None),
    "sc-smooth": (100.0, 80.0, 100.0, 90.0),
    "sc-stalls": (100.0, 50.0, STALLS_SMOOTHNESS, (50.0 + STALLS_SMOOTHNESS) / 2),
    "sc-save": (None, None, None, None),
    "sc-quality": (100.0, 100 * 8 / 10, 100.0, (80.0 + 100.0) / 2),
}
EXPECTED_QUALITY_CHANGES = [  # (position_s, from_rendition, to_rendition, from_kbps, to_kbps, direction)
    (0.0, None, "480p", None, 1400, None),
    (11.0, "480p", "720p", 1400, 2800, "up"),
    (18.0, "720p", "360p", 2800, 800, "down"),
    (23.0, "360p", "360p", 800, 800, "same"),
]

# --- 24 views of vid-moments (100 s): an intro, a spike and two dips ----------------------------
# A (12): plays it all. B (8): leaves at 25 s. C (4): plays to 50, goes back to 40, leaves at 58.
MOMENTS_VIDEO = video("vid-moments", 100, course_id="course-m", creator_id="creator-m")


def _moments_view(n: int, group: str) -> list[dict]:
    steps = [(0, "view_start", 0), (1, "playing", 0)]
    end = {"A": 100, "B": 25, "C": 50}[group]
    steps += [(1 + p, "heartbeat", p) for p in range(10, end + 1, 10) if p < end] + [(1 + end, "heartbeat", end)]
    if group == "A":
        steps[-1] = (101, "ended", 100)
    elif group == "B":
        steps.append((27, "view_end", 25))
    else:
        steps += [(52, "seek", 40, {"from_position_s": 50}), (62, "heartbeat", 50), (70, "view_end", 58)]
    return timeline(f"km-{group}{n}", "vid-moments", at("12:00:00") + timedelta(minutes=n), steps)


MOMENTS_EVENTS = [e for n in range(12) for e in _moments_view(n, "A")] \
    + [e for n in range(8) for e in _moments_view(20 + n, "B")] \
    + [e for n in range(4) for e in _moments_view(40 + n, "C")]

# reached: A all points; B 25 (its range 20..25 ends on it); C 25 and 50
EXPECTED_REACH = {"plays_started": 24, "reached_25": 24, "reached_50": 16, "reached_75": 12, "reached_95": 12}
# each C view plays 40..50 twice: 10 s rewatched in segment 4
EXPECTED_SEGMENT_4 = {"views": 16, "watch_time_s": 16 * 10.0 + 4 * 10.0, "rewatch_s": 40.0, "replay_views": 4}
# body segments 0..8 (end <= 90): drop-off rates 0 except segment 2 (8 of 24) and 5 (4 of 16); median 0
EXPECTED_MOMENTS = [
    ("vid-moments", "dip", 2, 8 / 24),
    ("vid-moments", "dip", 5, 4 / 16),
    ("vid-moments", "intro", 3, 16 / 24 * 100),
    ("vid-moments", "spike", 4, 40.0),
]

CATALOG = [SCORES_VIDEO, MOMENTS_VIDEO]
EVENTS = SCORE_EVENTS + MOMENTS_EVENTS
