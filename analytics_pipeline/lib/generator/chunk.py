"""One unit of work: the views that start in one time window of one day, written to the landing.

A chunk owns one landing file in its own day's arrival folder, plus (lazily) one file per later
arrival day for what it delivers late: views running past midnight, offline batches flushed days
later, and retried deliveries. Chunks share nothing but the seed, so they run in any process.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

from ..storage import Storage
from .catalog import Video, build_catalog
from .lines import DAY_MS, MALFORMED_KINDS, day_ms, malformed_line, ms_day, rfc3339, uuid_text
from .viewers import Audience, Device, build_audience
from .views import simulate_bot_view, simulate_view
from .writer import LandingFile

# share of views by UTC hour: a global audience, busiest in the European evening / US afternoon
HOUR_WEIGHTS = (2.0, 1.6, 1.3, 1.1, 1.0, 1.1, 1.4, 1.9, 2.4, 2.8, 3.1, 3.3,
                3.5, 3.6, 3.7, 3.9, 4.0, 4.2, 4.4, 4.5, 4.3, 3.8, 3.1, 2.5)
DUPLICATE_SHARE = 0.01
MALFORMED_SHARE = 0.001
BOT_VISIT_SHARE = 0.025
# (video_id, length): ids the catalog does not know, e.g. deleted or not exported yet
UNKNOWN_VIDEOS = (("v_000000dead01", 412.0), ("v_000000dead02", 1310.0), ("v_legacy_4711", 95.0))
PLAYERS = {"bunny": (("bunny", 70), ("html5", 30)), "cloudflare": (("cloudflare", 75), ("html5", 25)),
           "youtube": (("youtube", 100),), "self": (("html5", 100),)}
PLAYER_VERSIONS = {"bunny": "bunny-player 2.4.1", "cloudflare": "stream-player 1.0.9",
                   "youtube": "iframe-api", "html5": "hls.js 1.6.2"}
EMBEDDING_SITES = ("https://blog.pixelnotes.dev/posts/{v}", "https://www.notion.so/Team-wiki-{v}",
                   "https://moodle.northfield.edu/mod/page/view.php?id={n}", "https://medium.com/@learner/{v}")


@dataclass(frozen=True)
class ChunkPlan:
    root: str
    endpoint_url: str | None
    region: str | None
    seed: int
    day: date
    index: int
    files_per_day: int
    events_target: int
    first_day: date
    last_day: date
    compress: bool
    audience_size: int
    cover_malformed_kinds: bool
    now_ms: int  # epoch ms: nothing happens or is received from then on (today's day stops at "now")


@dataclass
class ChunkResult:
    files: dict[date, list[tuple[str, int]]] = field(default_factory=dict)
    events_by_day: Counter = field(default_factory=Counter)
    lines_by_arrival_day: Counter = field(default_factory=Counter)
    malformed: Counter = field(default_factory=Counter)
    duplicate_lines: int = 0
    late_lines: int = 0
    held_back_events: int = 0
    views: int = 0
    bot_views: int = 0


def window_weight(start_ms: int, end_ms: int) -> float:
    """Integral of HOUR_WEIGHTS over a window of one day (ms since midnight)."""
    total = 0.0
    for hour, weight in enumerate(HOUR_WEIGHTS):
        overlap = min(end_ms, (hour + 1) * 3_600_000) - max(start_ms, hour * 3_600_000)
        if overlap > 0:
            total += weight * overlap / 3_600_000
    return total


def _time_at_share(share: float) -> int:
    """The time of day (ms) by which `share` of the day's views have started."""
    if share >= 1:
        return DAY_MS
    target = share * sum(HOUR_WEIGHTS)
    for hour, weight in enumerate(HOUR_WEIGHTS):
        if target <= weight:
            return int((hour + target / weight) * 3_600_000)
        target -= weight
    return DAY_MS


def window_bounds(index: int, files_per_day: int) -> tuple[int, int]:
    """Windows of equal audience, so a day's files (and workers' loads) are of similar size."""
    return _time_at_share(index / files_per_day), _time_at_share((index + 1) / files_per_day)


class _Chunk:
    def __init__(self, plan: ChunkPlan):
        self.plan = plan
        self.rng = random.Random(f"chunk:{plan.seed}:{plan.day.isoformat()}:{plan.index}")
        self.storage = Storage(plan.root, plan.endpoint_url, plan.region)
        self.result = ChunkResult()
        self.day_index = day_ms(plan.day) // DAY_MS
        self.last_index = day_ms(plan.last_day) // DAY_MS
        lo, hi = window_bounds(plan.index, plan.files_per_day)
        self.window = (lo, min(hi, plan.now_ms - day_ms(plan.day)))  # _plans skips a window that starts after now
        catalog = build_catalog(plan.seed, plan.first_day)
        self.videos: list[Video] = catalog.videos
        self.cum_popularity = list(accumulate(v.popularity for v in catalog.videos))
        self.next_lesson = {}
        for course_id, _, _ in catalog.courses:
            lessons = catalog.lessons_of(course_id)
            self.next_lesson.update(zip((v.video_id for v in lessons), lessons[1:]))
        self.audience: Audience = build_audience(plan.seed, plan.audience_size)
        self.writers: dict[int, LandingFile] = {}
        self.forced_kinds = [k for k, _ in MALFORMED_KINDS] if plan.cover_malformed_kinds else []
        self.kind_names = [k for k, _ in MALFORMED_KINDS]
        self.kind_weights = [w for _, w in MALFORMED_KINDS]

    # -- files ----------------------------------------------------------------------------
    def writer(self, arrival_index: int) -> LandingFile:
        w = self.writers.get(arrival_index)
        if w is None:
            p = self.plan
            arrival = ms_day(arrival_index * DAY_MS)
            # a late delivery names its arrival day: one name per folder, so no false "redelivery"
            suffix = "" if arrival_index == self.day_index else f"-flush-{arrival:%Y%m%d}"
            ext = ".jsonl.gz" if p.compress else ".jsonl"
            rel = f"landing/events/{arrival.isoformat()}/collector-{p.day:%Y%m%d}-{p.index:02d}{suffix}{ext}"
            w = self.writers[arrival_index] = LandingFile(self.storage, rel, p.compress)
        return w

    def close(self) -> None:
        for arrival_index in sorted(self.writers):
            w = self.writers[arrival_index]
            w.close()
            self.result.files.setdefault(ms_day(arrival_index * DAY_MS), []).append((w.rel, w.lines))

    def abort(self) -> None:
        for w in self.writers.values():
            w.abort()

    # -- choices --------------------------------------------------------------------------
    def start_time(self) -> int:
        lo, hi = self.window
        top = max(HOUR_WEIGHTS)
        while True:
            offset = self.rng.randrange(lo, hi)
            if self.rng.random() * top <= HOUR_WEIGHTS[offset // 3_600_000]:
                return self.day_index * DAY_MS + offset

    def pick_video(self, previous: Video | None, follows_course: float = 0.5) -> Video | None:
        rng = self.rng
        if previous is not None and previous.video_id in self.next_lesson and rng.random() < follows_course:
            return self.next_lesson[previous.video_id]
        if rng.random() < 0.003:
            return None  # one of UNKNOWN_VIDEOS
        return self.videos[bisect(self.cum_popularity, rng.random() * self.cum_popularity[-1])]

    def view_tail(self, video: Video | None, device: Device, session_id: str) -> tuple[str, float, str]:
        rng = self.rng
        if video is None:
            (video_id, duration), provider = rng.choice(UNKNOWN_VIDEOS), "self"
        else:
            video_id, duration, provider = video.video_id, video.duration_s, video.provider
        choices = PLAYERS[provider]
        player = rng.choices([c for c, _ in choices], [w for _, w in choices])[0]
        parts = [f'"session_id":"{session_id}","video_id":"{video_id}",']
        if rng.random() < 0.85:  # players usually report the media length, a few ms over the catalog's
            parts.append(f'"duration_s":{duration + rng.uniform(0, 0.08):.3f},')
        parts.append(f'"player":"{player}",')
        u = rng.random()
        if u < 0.75:
            where = f"courses/{video.course_id}/lessons/{video_id}" if video and video.course_id else f"watch/{video_id}"
            parts.append(f'"referrer":"https://learn.videoschool.io/{where}",')
        elif u < 0.9:
            site = rng.choice(EMBEDDING_SITES).format(v=video_id[2:], n=rng.randint(100, 99999))
            parts.append(f'"referrer":"{site}",')
        parts.append(device.json_tail)
        autoplay = "true" if rng.random() < 0.2 else "false"
        properties = f'"properties":{{"autoplay":{autoplay},"player_version":"{PLAYER_VERSIONS[player]}"}},'
        return "".join(parts), duration, properties

    # -- delivery -------------------------------------------------------------------------
    def deliver(self, events: list, device: Device, tail: str, properties: str) -> None:
        """Stamp, encode and route one view's events to the arrival folders they land in."""
        rng, res = self.rng, self.result
        rnd, bits = rng.random, rng.getrandbits
        skew = device.clock_skew_ms
        # collector delay: mostly a few hundred ms, a long tail on mobile networks
        delay_floor, delay_span = (60, 2500) if device.mobile_network else (25, 900)
        flush_ms, cut = None, len(events)
        if not device.is_bot and rnd() < (0.03 if device.mobile_network else 0.006):
            days_later = min(rng.randint(1, 3), self.last_index - self.day_index)
            if days_later > 0:  # an offline client flushing its queue days later
                cut = 0 if rnd() < 0.5 else rng.randrange(len(events))
                flush_ms = max((self.day_index + days_later) * DAY_MS + rng.randrange(DAY_MS),
                               events[-1][0] + 60_000)
        by_arrival: dict[int, list[str]] = {}
        retries, malformed = [], []
        current_arrival, current = -1, []
        last_index, now_ms = self.last_index, self.plan.now_ms
        last_arrival = min(last_index, (now_ms - 1) // DAY_MS)  # a retry lands no later than today's folder
        events_by_day = res.events_by_day
        for i, (true_ms, event_type, body) in enumerate(events):
            occurred = true_ms + skew
            received = flush_ms if i >= cut else true_ms + delay_floor + int(rnd() * rnd() * delay_span)
            arrival = received // DAY_MS
            # would arrive after the generated range, or after now (or happen after now): not delivered yet
            if arrival > last_index or received >= now_ms or occurred >= now_ms:
                res.held_back_events += 1
                continue
            if i == 0 and event_type == "view_start":
                body += properties
            # the hot path: one f-string per event instead of json.dumps
            line = (f'{{"event_id":"{bits(128):032x}","event_type":"{event_type}",'
                    f'"occurred_at":"{rfc3339(occurred)}","received_at":"{rfc3339(received)}",{body}{tail}}}')
            if arrival != current_arrival:
                current_arrival, current = arrival, by_arrival.setdefault(arrival, [])
            current.append(line)
            occurred_day = occurred // DAY_MS
            events_by_day[occurred_day] += 1
            if arrival > occurred_day:
                res.late_lines += 1
            if rnd() < DUPLICATE_SHARE:
                later = arrival + (rng.randint(1, 2) if rnd() < 0.25 else 0)
                retries.append((min(later, last_arrival), line))
            if self.forced_kinds and i == 0:
                malformed.append((arrival, self.forced_kinds.pop(0), line))
            elif rnd() < MALFORMED_SHARE:
                malformed.append((arrival, rng.choices(self.kind_names, self.kind_weights)[0], line))
        for arrival, kind, line in malformed:
            by_arrival.setdefault(arrival, []).append(malformed_line(rng, kind, line))
            res.malformed[kind] += 1
        for arrival, line in retries:
            by_arrival.setdefault(arrival, []).append(line)
            res.duplicate_lines += 1
        for arrival, lines in by_arrival.items():
            self.writer(arrival).write_many(lines)
            res.lines_by_arrival_day[arrival] += len(lines)

    # -- the chunk ------------------------------------------------------------------------
    def run(self) -> ChunkResult:
        rng, res = self.rng, self.result
        produced = 0
        target = self.plan.events_target
        while produced < target:
            t = self.start_time()
            if rng.random() < BOT_VISIT_SHARE:
                device = self.audience.pick_crawler(rng)
            else:
                device = self.audience.pick(rng, (self.plan.day - self.plan.first_day).days)
            if not device.is_bot and rng.random() < 0.01:
                produced += self.engagement_only(device, t)
                continue
            previous = None
            while True:
                video = self.pick_video(previous, device.follows_course)
                tail, duration, properties = self.view_tail(video, device, uuid_text(rng))
                events: list = []
                if device.is_bot:
                    t = simulate_bot_view(rng, events, t, duration)
                    res.bot_views += 1
                else:
                    resume = duration * rng.uniform(0.1, 0.8) if duration > 120 and rng.random() < 0.08 else 0.0
                    t = simulate_view(rng, events, t, duration, resume, device.bandwidth,
                                      device.mobile_network, feed=rng.random() < 0.04,
                                      rewatch_at_s=video and video.rewatch_at_s, leave_at_s=video and video.leave_at_s,
                                      startup_factor=device.startup_factor, stall_factor=device.stall_factor,
                                      completion_factor=device.completion_factor, hard=video is not None and video.hard)
                res.views += 1
                self.deliver(events, device, tail, properties)
                produced += len(events)
                if produced >= target or rng.random() < 0.55:
                    break
                previous = video
                t += rng.randint(1000, 20000) if rng.random() < 0.6 else rng.randint(20000, 900000)
        self.close()
        return res

    def engagement_only(self, device: Device, t: int) -> int:
        """A save or share from a listing page, without playing the video."""
        tail, _, properties = self.view_tail(self.pick_video(None), device, uuid_text(self.rng))
        events = [(t, self.rng.choice(("save", "save", "share")), "")]
        self.deliver(events, device, tail, properties)
        return 1


def run_chunk(plan: ChunkPlan) -> ChunkResult:
    chunk = _Chunk(plan)
    try:
        return chunk.run()
    except BaseException:
        chunk.abort()
        raise
