"""Text of the landing lines: timestamps, ids, valid events, and the malformed kinds the contract lists."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta

DAY_MS = 86_400_000
_EPOCH = date(1970, 1, 1)
_minute_prefix: dict[int, str] = {}
_SECONDS_MILLIS = [f"{n // 1000:02d}.{n % 1000:03d}Z" for n in range(60_000)]  # "SS.mmmZ" by ms of the minute


def rfc3339(ms: int) -> str:
    """Epoch milliseconds -> `YYYY-MM-DDTHH:MM:SS.mmmZ`; table lookups, far faster than datetime formatting."""
    minute, rest = divmod(ms, 60_000)
    prefix = _minute_prefix.get(minute)
    if prefix is None:
        if len(_minute_prefix) > 200_000:
            _minute_prefix.clear()
        moment = datetime(1970, 1, 1) + timedelta(minutes=minute)
        prefix = _minute_prefix[minute] = moment.strftime("%Y-%m-%dT%H:%M:")
    return prefix + _SECONDS_MILLIS[rest]


def day_ms(day: date) -> int:
    return (day - _EPOCH).days * DAY_MS


def ms_day(ms: int) -> date:
    return _EPOCH + timedelta(days=ms // DAY_MS)


def uuid_text(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


# malformed kind -> relative weight; every kind the contract's "bad input" section names
MALFORMED_KINDS = (
    ("not_json", 20), ("not_object", 5), ("missing_field", 20), ("wrong_type", 15),
    ("unknown_event_type", 12), ("bad_timestamp", 10), ("future_occurred_at", 8),
    ("negative_position", 5), ("absurd_position", 2), ("seek_without_from_position", 3), ("oversized_line", 0.05),
)
REQUIRED_FIELDS = ("event_id", "event_type", "occurred_at", "session_id", "viewer_id", "video_id")
BAD_TIMESTAMPS = ("2026-13-45T25:61:00Z", "16/06/2026 10:00:00", "not-a-timestamp", "2026-02-30T10:00:00.000Z", "")
UNKNOWN_TYPES = ("playng", "ad_start", "chapter_change", "fullscreen_enter", "PLAY", "heartbeat_v2")


def malformed_line(rng: random.Random, kind: str, valid_line: str) -> str:
    """A bad line derived from a good one, so it looks like what a buggy client would send."""
    if kind == "not_json":
        if rng.random() < 0.2:
            return rng.choice(("<html><body>502 Bad Gateway</body></html>", "event_type=play&position_s=3",
                               "{'event_id': 'abc', 'event_type': 'play'}"))
        return valid_line[: rng.randint(10, len(valid_line) - 5)]  # a line cut short
    event = json.loads(valid_line)
    event["event_id"] = uuid_text(rng)  # a fresh id: a bad line is never a duplicate of a good one
    if kind == "not_object":
        return json.dumps(rng.choice(([event["event_type"], event["occurred_at"]], "ping", None, 42)))
    if kind == "missing_field":
        del event[rng.choice(REQUIRED_FIELDS)]
    elif kind == "wrong_type":
        choice = rng.random()
        if "position_s" in event and choice < 0.5:
            event["position_s"] = f"{event['position_s']}"
        elif choice < 0.8:
            event["viewer_id"] = rng.randint(1, 10**9)
        else:
            event["event_id"] = rng.randint(1, 10**12)
    elif kind == "unknown_event_type":
        event["event_type"] = rng.choice(UNKNOWN_TYPES)
    elif kind == "bad_timestamp":
        event["occurred_at"] = rng.choice(BAD_TIMESTAMPS)
    elif kind == "future_occurred_at":
        received = event["received_at"]
        received_ms = day_ms(date.fromisoformat(received[:10])) + _clock_ms(received[11:23])
        event["occurred_at"] = rfc3339(received_ms + rng.randint(20 * 60_000, 3 * DAY_MS))
    elif kind == "negative_position":
        event["position_s"] = -round(rng.uniform(0.1, 60), 3)
    elif kind == "absurd_position":
        event["position_s"] = round(rng.uniform(86_401, 10**7), 3)
    elif kind == "seek_without_from_position":
        event["event_type"] = "seek"
        event.pop("from_position_s", None)
        event["position_s"] = round(rng.uniform(0, 600), 3)
    elif kind == "oversized_line":
        event["properties"] = {"debug_dump": "x" * (66 * 1024)}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def _clock_ms(clock: str) -> int:  # "HH:MM:SS.mmm"
    return int(clock[0:2]) * 3_600_000 + int(clock[3:5]) * 60_000 + int(clock[6:8]) * 1000 + int(clock[9:12])
