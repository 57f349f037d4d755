"""Playback scenarios: raw player events (as NDJSON lines of a landing file) and, computed by
hand from metrics.md, the `playback_sessions` and `played_ranges` rows they must give.

Every scenario is plain data: `events` are dicts with player-events.md field names
(`occurred_at` as RFC 3339 with `Z`, ms precision), `catalog` rows use the videos.csv columns,
`expected` maps each view_id that must exist for `day` (and only those) to column -> value,
`expected_ranges` maps a view_id to its played ranges in `from_at` order.
Session, event and video ids are unique across scenarios, so they can be loaded together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

DAY = date(2024, 3, 5)

CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36"
)
BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@dataclass(frozen=True)
class Scenario:
    name: str
    day: date
    events: list[dict[str, Any]]
    catalog: list[dict[str, Any]]
    expected: dict[str, dict[str, Any]]
    expected_ranges: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def at(hhmmss: str, day: date = DAY) -> datetime:
    """A UTC instant on `day`, e.g. at("10:00:00")."""
    h, m, s = (int(x) for x in hhmmss.split(":"))
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=timezone.utc)


def timeline(
    session_id: str,
    video_id: str,
    start: datetime,
    steps: list[tuple],
    *,
    viewer_id: str | None = None,
    user_agent: str = CHROME_UA,
    country: str = "FR",
    player: str = "html5",
) -> list[dict[str, Any]]:
    """Raw events of one session. A step is (seconds after `start`, event_type[, position_s[, extra fields]])."""
    events = []
    for n, step in enumerate(steps, start=1):
        offset, event_type = step[0], step[1]
        occurred = start + timedelta(milliseconds=round(offset * 1000))
        event = {
            "event_id": f"{session_id}-{n:03d}",
            "event_type": event_type,
            "occurred_at": _rfc3339(occurred),
            "received_at": _rfc3339(occurred + timedelta(milliseconds=400)),
            "session_id": session_id,
            "viewer_id": viewer_id or f"viewer-{session_id}",
            "video_id": video_id,
            "user_agent": user_agent,
            "ip": "203.0.113.7",
            "country": country,
            "referrer": "https://learn.example.com/courses/c-1",
            "player": player,
        }
        if len(step) > 2 and step[2] is not None:
            event["position_s"] = float(step[2])
        if len(step) > 3:
            event.update(step[3])
        events.append(event)
    return events


def video(video_id: str, duration_s: float, course_id: str | None = "course-1", creator_id: str = "creator-1") -> dict:
    return {
        "video_id": video_id,
        "title": f"Video {video_id}",
        "duration_s": duration_s,
        "course_id": course_id,
        "creator_id": creator_id,
    }


def rng(start: float, end: float, **extra: Any) -> dict[str, Any]:
    return {"range_start_s": start, "range_end_s": end, "played_s": end - start, **extra}


T0 = at("10:00:00")

# --- seeks: ranges end at the seek's from_position_s, restart at its landing position_s;
# --- a pause stops accrual; startup time; one seek.
SEEKS_AND_PAUSE = Scenario(
    name="seeks_and_pause",
    day=DAY,
    catalog=[video("vid-seek", 300)],
    events=timeline("s-seek", "vid-seek", T0, [
        (0, "view_start", 0),
        (1, "play", 0),
        (2, "playing", 0),           # flag true; startup 2 s after view_start
        (12, "heartbeat", 10),       # playing@2 -> 12: 0..10 (10 <= 10*1+2)
        (20, "seek", 100, {"from_position_s": 18}),  # 10..18 (to from_position_s; 8 <= 8+2)
        (25, "heartbeat", 105),      # seek@20 -> 25: from landing 100..105 (5 <= 7)
        (30, "pause", 110),          # 105..110 (5 <= 7); flag false
        (40, "play", 113),           # paused pair counts nothing (113 > 110 but flag false)
        (41, "playing", 113),        # play leaves the flag false: nothing
        (51, "heartbeat", 123),      # 113..123 (10)
        (53, "view_end", 125),       # 123..125 (2)
    ]),
    expected={
        "s-seek": {
            "session_id": "s-seek", "view_seq": 1, "video_id": "vid-seek", "viewer_id": "viewer-s-seek",
            "course_id": "course-1", "creator_id": "creator-1", "unknown_video": False,
            "started_at": T0, "ended_at": T0 + timedelta(seconds=53), "wall_time_s": 53.0,
            "event_count": 11, "counts_as_view": True, "is_bot": False,
            # 10 + 8 + 5 + 5 + 10 + 2 = 40; ranges disjoint: [0,18] + [100,110] + [113,125] = 18+10+12 = 40
            "watch_time_s": 40.0, "content_watched_s": 40.0,
            "duration_s": 300.0, "completion_ratio": 40 / 300, "completed": False,
            "startup_time_ms": 2000.0, "exited_before_start": False,
            "startup_failed": False, "playback_failed": False,
            "seek_count": 1, "play_count": 2, "pause_count": 1, "error_count": 0,
            "quality_change_count": 0, "rebuffer_count": 0, "rebuffer_s": 0.0,
            "last_position_s": 125.0, "max_position_s": 125.0,
            "saves": 0, "shares": 0, "clicks": 0, "skips": 0,
            "engaged": True,  # 40 >= min(30, 150)
            "country": "FR", "player": "html5",
        },
    },
    expected_ranges={
        "s-seek": [
            rng(0, 10, rate=1.0, rendition=None, bitrate_kbps=None, from_at=T0 + timedelta(seconds=2),
                to_at=T0 + timedelta(seconds=12)),
            rng(10, 18), rng(100, 105), rng(105, 110), rng(113, 123), rng(123, 125),
        ],
    },
)

# --- the `end - start <= wall * rate + 2` rule with the rate in force at e1.
RATE_RULE = Scenario(
    name="rate_rule",
    day=DAY,
    catalog=[video("vid-rate", 600)],
    events=timeline("s-rate", "vid-rate", T0, [
        (0, "view_start", 0),
        (1, "playing", 0),
        (11, "heartbeat", 10),                                  # 0..10, no rate yet -> 1: 10 <= 12
        (12, "rate_change", 11, {"playback_rate": 2.0}),        # 10..11 at rate 1: 1 <= 3
        (22, "heartbeat", 31),                                  # e1 own rate 2: 20 <= 10*2+2 = 22
        (32, "heartbeat", 51),                                  # e1 no rate, last seen 2: 20 <= 22
        (42, "heartbeat", 75, {"playback_rate": 2.0}),          # 51..75 = 24 > 22: jump, nothing
        (52, "heartbeat", 95, {"playback_rate": 1.0}),          # e1 own rate 2: 75..95 = 20 <= 22
        (62, "heartbeat", 109),                                 # e1 own rate 1: 14 > 12: nothing
        (72, "heartbeat", 121),                                 # last seen 1: 12 <= 12 (boundary)
        (73, "view_end", 122),                                  # 1 <= 3
    ]),
    expected={
        "s-rate": {
            # 10 + 1 + 20 + 20 + 20 + 12 + 1 = 84, ranges disjoint
            "watch_time_s": 84.0, "content_watched_s": 84.0,
            "duration_s": 600.0, "completion_ratio": 84 / 600, "completed": False,
            "startup_time_ms": 1000.0, "play_count": 0, "seek_count": 0,
            "last_position_s": 122.0, "max_position_s": 122.0, "engaged": True,
        },
    },
    expected_ranges={
        "s-rate": [
            rng(0, 10, rate=1.0), rng(10, 11, rate=1.0), rng(11, 31, rate=2.0), rng(31, 51, rate=2.0),
            rng(75, 95, rate=2.0), rng(109, 121, rate=1.0), rng(121, 122, rate=1.0),
        ],
    },
)

# --- rewatch: watch_time_s counts again, content_watched_s is the union; catalog duration.
REWATCH = Scenario(
    name="rewatch_union",
    day=DAY,
    catalog=[video("vid-rewatch", 40)],
    events=timeline("s-rewatch", "vid-rewatch", T0, [
        (0, "view_start", 0),
        (1, "playing", 0),
        (11, "heartbeat", 10),                          # 0..10
        (21, "heartbeat", 20),                          # 10..20
        (22, "seek", 5, {"from_position_s": 21}),       # 20..21
        (32, "heartbeat", 15),                          # 5..15
        (42, "heartbeat", 25),                          # 15..25
        (52, "heartbeat", 35),                          # 25..35
        (57, "ended", 40),                              # 35..40 (5 <= 7)
    ]),
    expected={
        "s-rewatch": {
            # 10 + 10 + 1 + 10 + 10 + 10 + 5 = 56; union of the ranges = [0, 40] = 40
            "watch_time_s": 56.0, "content_watched_s": 40.0,
            "duration_s": 40.0, "completion_ratio": 1.0, "completed": True,  # min(1, 40/40)
            "seek_count": 1, "last_position_s": 40.0, "max_position_s": 40.0,
            "engaged": True,  # 56 >= min(30, 20)
        },
    },
)

# --- duration: catalog first, else the largest duration_s the events reported, else none.
DURATION_SOURCES = Scenario(
    name="duration_sources",
    day=DAY,
    catalog=[video("vid-short", 60)],
    events=(
        # unknown video: the events say 100 then 120 -> 120
        timeline("s-dur-events", "vid-not-in-catalog", T0, [
            (0, "view_start", 0, {"duration_s": 100.0}),
            (1, "playing", 0, {"duration_s": 120.0}),
            (61, "pause", 60),                         # 0..60 (60 <= 62)
        ])
        # catalog 60 wins over the event's 999
        + timeline("s-dur-catalog", "vid-short", T0, [
            (0, "view_start", 0, {"duration_s": 999.0}),
            (1, "playing", 0),
            (55, "ended", 54),                         # 0..54 (54 <= 56)
        ])
        # no duration anywhere
        + timeline("s-dur-none", "vid-unknown-2", T0, [
            (0, "play", 0),
            (1, "playing", 0),
            (31, "view_end", 30),                      # 0..30
        ])
    ),
    expected={
        "s-dur-events": {
            "duration_s": 120.0, "content_watched_s": 60.0, "completion_ratio": 0.5,  # 60/120
            "completed": False, "unknown_video": True, "course_id": None, "creator_id": None,
            "engaged": True,  # 60 >= min(30, 60)
        },
        "s-dur-catalog": {
            "duration_s": 60.0, "content_watched_s": 54.0, "completion_ratio": 0.9,  # 54/60
            "completed": True, "unknown_video": False, "course_id": "course-1",
            "engaged": True,  # 54 >= min(30, 30)
        },
        "s-dur-none": {
            "duration_s": None, "completion_ratio": None, "completed": False,
            "watch_time_s": 30.0, "unknown_video": True,
            "engaged": True,  # no duration: 30 >= 30
            "startup_time_ms": 1000.0,  # from the first play
        },
    },
)

# --- startup time, exits before start, startup vs playback failure, non-fatal errors.
STARTUP_AND_ERRORS = Scenario(
    name="startup_and_errors",
    day=DAY,
    catalog=[video("vid-qoe", 120)],
    events=(
        timeline("s-ebvs", "vid-qoe", T0, [
            (0, "view_start", 0),
            (0.5, "play", 0),
            (8, "view_end", 0),
        ])
        + timeline("s-startup-fail", "vid-qoe", T0, [
            (0, "view_start", 0),
            (0.2, "play", 0),
            (5, "error", 0, {"error_code": "MEDIA_ERR_NETWORK"}),  # error_fatal absent: fatal
        ])
        + timeline("s-playback-fail", "vid-qoe", T0, [
            (0, "view_start", 0),
            (1.5, "playing", 0),
            (11.5, "heartbeat", 10),                                             # 0..10
            (15, "error", 13.5, {"error_code": "MEDIA_ERR_DECODE", "error_fatal": True}),  # 10..13.5
            (20, "view_end", 13.5),                                              # flag false: nothing
        ])
        + timeline("s-nonfatal", "vid-qoe", T0, [
            (0, "play", 0),
            (0.75, "playing", 0),
            (5.75, "error", 5, {"error_code": "FRAG_LOAD_ERROR", "error_fatal": False}),  # 0..5
            (10.75, "heartbeat", 10),                                            # still playing: 5..10
            (12.75, "view_end", 12),                                             # 10..12
        ])
    ),
    expected={
        "s-ebvs": {
            "counts_as_view": True, "exited_before_start": True, "startup_time_ms": None,
            "startup_failed": False, "playback_failed": False, "watch_time_s": 0.0,
            "play_count": 1, "engaged": False, "completion_ratio": 0.0, "last_position_s": 0.0,
        },
        "s-startup-fail": {
            "exited_before_start": False, "startup_time_ms": None,
            "startup_failed": True, "playback_failed": True, "error_count": 1,
        },
        "s-playback-fail": {
            "exited_before_start": False, "startup_time_ms": 1500.0,
            "startup_failed": False, "playback_failed": True, "error_count": 1,
            "watch_time_s": 13.5,  # 10 + 3.5
        },
        "s-nonfatal": {
            "exited_before_start": False, "startup_time_ms": 750.0,
            "startup_failed": False, "playback_failed": False, "error_count": 1,
            "watch_time_s": 12.0,  # 5 + 5 + 2
        },
    },
)

# --- rebuffers: not before the first playing, not within 2 s after a seek; a stall lasts to
# --- the next buffer_end / playing, else to the view's last event (an engagement event here).
REBUFFERS = Scenario(
    name="rebuffers",
    day=DAY,
    catalog=[video("vid-buffer", 600)],
    events=timeline("s-buffer", "vid-buffer", T0, [
        (0, "view_start", 0),
        (0.5, "buffer_start", 0),                      # before the first playing: startup, not a rebuffer
        (1, "buffer_end", 0),
        (1.2, "playing", 0),                           # startup 1200 ms
        (11.2, "heartbeat", 10),                       # 0..10
        (15.2, "buffer_start", 14),                    # 10..14; rebuffer 1: 15.2 -> 18.2 = 3.0 s
        (18.2, "buffer_end", 14),
        (28.2, "heartbeat", 24),                       # 14..24
        (30, "seek", 200, {"from_position_s": 25.8}),  # 24..25.8 (1.8 <= 1.8+2)
        (31, "buffer_start", 200),                     # 1 s after the seek: seek latency
        (33, "playing", 200),
        (43, "heartbeat", 210),                        # 200..210
        (45, "buffer_start", 212),                     # 210..212; rebuffer 2: 45 -> 49.5 = 4.5 s
        (49.5, "playing", 212),
        (59.5, "heartbeat", 222),                      # 212..222
        (61, "buffer_start", 223.5),                   # 222..223.5; rebuffer 3: 61 -> 70 (last event) = 9 s
        (70, "share"),
    ]),
    expected={
        "s-buffer": {
            "rebuffer_count": 3, "rebuffer_s": 16.5,   # 3 + 4.5 + 9
            # 10 + 4 + 10 + 1.8 + 10 + 2 + 10 + 1.5 = 49.3
            "watch_time_s": 49.3, "content_watched_s": 49.3,
            "startup_time_ms": 1200.0, "seek_count": 1, "shares": 1, "event_count": 17,
            "wall_time_s": 70.0, "last_position_s": 223.5, "max_position_s": 223.5,
        },
    },
)

# --- seeks less than 2 s apart are one seek (a scrub); exactly 2 s apart are two.
SEEK_SCRUB = Scenario(
    name="seek_scrub",
    day=DAY,
    catalog=[video("vid-scrub", 600)],
    events=timeline("s-scrub", "vid-scrub", T0, [
        (0, "view_start", 0),
        (1, "playing", 0),
        (11, "heartbeat", 10),                          # 0..10
        (12, "seek", 50, {"from_position_s": 11}),      # 10..11; seek 1
        (13, "seek", 80, {"from_position_s": 50}),      # 1 s later: same seek; 50..50 nothing
        (14.5, "seek", 120, {"from_position_s": 80}),   # 1.5 s later: same seek; 80..80 nothing
        (15, "playing", 120),                           # 120..120 nothing
        (25, "heartbeat", 130),                         # 120..130
        (30, "seek", 20, {"from_position_s": 135}),     # 130..135; 15.5 s later: seek 2
        (30.5, "playing", 20),                          # nothing
        (32, "seek", 40, {"from_position_s": 21.5}),    # 20..21.5; exactly 2 s later: seek 3
        (42, "heartbeat", 50),                          # 40..50
        (43, "view_end", 51),                           # 50..51
    ]),
    expected={
        "s-scrub": {
            "seek_count": 3,
            "watch_time_s": 38.5,        # 10 + 1 + 10 + 5 + 1.5 + 10 + 1
            "content_watched_s": 38.5,   # [0,11] [20,21.5] [40,51] [120,135] = 11 + 1.5 + 11 + 15
            "max_position_s": 135.0,     # a seek's from_position_s
            "last_position_s": 51.0,
        },
    },
)

# --- more than 60 minutes without an event starts view <session>:2; exactly 60 does not.
INACTIVITY_SPLIT = Scenario(
    name="inactivity_split",
    day=DAY,
    catalog=[video("vid-split", 600)],
    events=(
        timeline("s-split", "vid-split", T0, [
            (0, "view_start", 0),
            (1, "playing", 0),
            (11, "heartbeat", 10),        # 0..10
            (15, "pause", 14),            # 10..14
            (3675, "play", 14),           # 61 min after the pause: view 2
            (3676, "playing", 14),
            (3686, "heartbeat", 24),      # 14..24
            (3690, "view_end", 28),       # 24..28
        ])
        + timeline("s-sixty", "vid-split", at("12:00:00"), [
            (0, "view_start", 0),
            (1, "playing", 0),
            (11, "pause", 10),            # 0..10
            (3611, "save"),               # exactly 60 min later: same view
        ])
    ),
    expected={
        "s-split": {
            "session_id": "s-split", "view_seq": 1, "event_count": 4, "watch_time_s": 14.0,
            "started_at": T0, "ended_at": T0 + timedelta(seconds=15), "wall_time_s": 15.0,
        },
        "s-split:2": {
            "session_id": "s-split", "view_seq": 2, "event_count": 4, "watch_time_s": 14.0,
            "started_at": T0 + timedelta(seconds=3675), "wall_time_s": 15.0,
            "startup_time_ms": 1000.0, "play_count": 1, "counts_as_view": True,
            "viewer_id": "viewer-s-split", "video_id": "vid-split",
        },
        "s-sixty": {"view_seq": 1, "event_count": 4, "saves": 1, "wall_time_s": 3611.0, "watch_time_s": 10.0},
    },
)

# --- midnight: a view belongs to its first event's day and keeps its next-day events; a view
# --- begun the day before is absent, but the view after its 60-minute gap belongs to the day.
_PREV = DAY - timedelta(days=1)
MIDNIGHT = Scenario(
    name="midnight",
    day=DAY,
    catalog=[video("vid-night", 600)],
    events=(
        timeline("s-night-late", "vid-night", at("23:59:50"), [
            (0, "view_start", 0),
            (1, "playing", 0),
            (11, "heartbeat", 10),        # next day 00:00:01; 0..10
            (21, "heartbeat", 20),        # 10..20
            (24, "view_end", 23),         # 20..23
        ])
        + timeline("s-night-early", "vid-night", at("23:59:40", _PREV), [
            (0, "view_start", 0),
            (1, "playing", 0),
            (11, "heartbeat", 10),
            (21, "heartbeat", 20),        # on DAY, but the view began the day before
            (25, "view_end", 24),
        ])
        + timeline("s-night-split", "vid-night", at("23:30:00", _PREV), [
            (0, "view_start", 0),
            (1, "playing", 0),
            (11, "pause", 10),
            (4500, "play", 10),           # DAY 00:45:00, 74 min 49 s later: view 2, on DAY
            (4501, "playing", 10),
            (4511, "heartbeat", 20),      # 10..20
            (4512, "view_end", 21),       # 20..21
        ])
    ),
    expected={
        "s-night-late": {
            "event_count": 5, "watch_time_s": 23.0, "wall_time_s": 24.0,
            "started_at": at("23:59:50"), "ended_at": at("00:00:14", DAY + timedelta(days=1)),
        },
        "s-night-split:2": {
            "view_seq": 2, "event_count": 4, "watch_time_s": 11.0,
            "started_at": at("00:45:00"), "startup_time_ms": 1000.0,
        },
    },
)

# --- bot views are flagged (kept here; the aggregates exclude them).
BOTS = Scenario(
    name="bots",
    day=DAY,
    catalog=[video("vid-bot", 600)],
    events=(
        timeline("s-bot", "vid-bot", T0, [
            (0, "view_start", 0), (1, "playing", 0), (11, "heartbeat", 10), (12, "view_end", 11),
        ], user_agent=BOT_UA)
        + timeline("s-human", "vid-bot", T0, [
            (0, "view_start", 0), (1, "playing", 0), (11, "heartbeat", 10), (12, "view_end", 11),
        ])
    ),
    expected={
        "s-bot": {"is_bot": True, "counts_as_view": True, "watch_time_s": 11.0},
        "s-human": {"is_bot": False, "counts_as_view": True, "watch_time_s": 11.0},
    },
)

# --- engagement counts; engagement events never form a playing pair nor carry the playhead;
# --- user_id is the first non-null; engaged against min(30, duration / 2).
ENGAGEMENT = Scenario(
    name="engagement",
    day=DAY,
    catalog=[video("vid-engage", 20), video("vid-engage-long", 600)],
    events=(
        timeline("s-engage", "vid-engage", T0, [
            (0, "view_start", 0),
            (1, "playing", 0),
            (5, "save"),                                        # no playhead: must not break 0..10
            (11, "heartbeat", 10, {"user_id": "u-42"}),         # 0..10 (pair playing@1 -> heartbeat@11)
            (12, "share"),
            (13, "click", 19.0),                                # a position on a click is no playhead
            (14, "click"),
            (15, "view_end", 14, {"user_id": "u-42"}),          # 10..14
            (20, "skip"),
        ])
        + timeline("s-engage-short", "vid-engage-long", T0, [
            (0, "view_start", 0),
            (1, "playing", 0),
            (29, "pause", 28),                                  # 0..28
            (30, "view_end", 28),
        ])
    ),
    expected={
        "s-engage": {
            "saves": 1, "shares": 1, "clicks": 2, "skips": 1, "event_count": 9,
            "watch_time_s": 14.0, "user_id": "u-42",
            "last_position_s": 14.0, "max_position_s": 14.0,
            "engaged": True,  # 14 >= min(30, 10)
        },
        "s-engage-short": {"watch_time_s": 28.0, "engaged": False},  # 28 < min(30, 300)
    },
)

# --- a session of engagement events only: not a view, but its engagements count.
ENGAGEMENT_ONLY = Scenario(
    name="engagement_only",
    day=DAY,
    catalog=[video("vid-feed", 60)],
    events=timeline("s-feed", "vid-feed", T0, [(0, "save"), (3, "share"), (4, "skip")]),
    expected={
        "s-feed": {
            "counts_as_view": False, "saves": 1, "shares": 1, "skips": 1, "clicks": 0,
            "event_count": 3, "watch_time_s": 0.0, "content_watched_s": 0.0,
            "completion_ratio": 0.0, "completed": False, "engaged": False,  # 0 < min(30, 30)
            "startup_time_ms": None, "exited_before_start": False,
            "last_position_s": None, "max_position_s": None,
        },
    },
)

# --- ranges carry the rendition of the last quality_change at or before e1.
RENDITIONS = Scenario(
    name="renditions",
    day=DAY,
    catalog=[video("vid-hd", 600)],
    events=timeline("s-hd", "vid-hd", T0, [
        (0, "view_start", 0),
        (1, "playing", 0),
        (11, "heartbeat", 10),                                                      # 0..10, none yet
        (12, "quality_change", 11, {"rendition": "720p", "bitrate_kbps": 2500}),    # 10..11, none yet
        (22, "heartbeat", 21),                                                      # 11..21, 720p
        (25, "quality_change", 24, {"rendition": "1080p", "bitrate_kbps": 5000}),   # 21..24, 720p
        (30, "view_end", 29),                                                       # 24..29, 1080p
    ]),
    expected={
        "s-hd": {
            "quality_change_count": 2,
            "watch_time_s": 29.0,   # 10 + 1 + 10 + 3 + 5
            "engaged": False,       # 29 < min(30, 300)
        },
    },
    expected_ranges={
        "s-hd": [
            rng(0, 10, rendition=None, bitrate_kbps=None),
            rng(10, 11, rendition=None, bitrate_kbps=None),
            rng(11, 21, rendition="720p", bitrate_kbps=2500),
            rng(21, 24, rendition="720p", bitrate_kbps=2500),
            rng(24, 29, rendition="1080p", bitrate_kbps=5000),
        ],
    },
)

# --- a playhead going backwards without a seek counts nothing (end <= start).
BACKWARDS = Scenario(
    name="backwards_playhead",
    day=DAY,
    catalog=[video("vid-back", 600)],
    events=timeline("s-back", "vid-back", T0, [
        (0, "view_start", 50),
        (1, "playing", 50),
        (11, "heartbeat", 40),     # 50..40: end <= start, nothing
        (21, "heartbeat", 50),     # 40..50
        (22, "view_end", 51),      # 50..51
    ]),
    expected={"s-back": {"watch_time_s": 11.0, "content_watched_s": 11.0, "max_position_s": 51.0}},
    expected_ranges={"s-back": [rng(40, 50), rng(50, 51)]},
)

SCENARIOS: list[Scenario] = [
    SEEKS_AND_PAUSE, RATE_RULE, REWATCH, DURATION_SOURCES, STARTUP_AND_ERRORS, REBUFFERS,
    SEEK_SCRUB, INACTIVITY_SPLIT, MIDNIGHT, BOTS, ENGAGEMENT, ENGAGEMENT_ONLY, RENDITIONS, BACKWARDS,
]
