"""One view's event sequence, as a player would fire it.

`simulate_view` appends `(true_ms, event_type, body)` tuples to `out`, where `body` is the
event-specific JSON members (each followed by a comma) and `true_ms` the true wall time in
epoch milliseconds. The playhead moves by wall time x rate while playing, so the pairs the
metrics walk are consistent; seeks, stalls, pauses and errors happen at random moments with
hazards that depend on the viewer's bandwidth, and drop-off is heavier early in a video.
"""

from __future__ import annotations

import math
import random

RENDITIONS = (("240p", 400), ("360p", 800), ("480p", 1400), ("720p", 2800), ("1080p", 5000))
FATAL_ERRORS = (
    ("manifestLoadError", "Failed to load the HLS manifest (HTTP 404)"),
    ("MEDIA_ERR_DECODE", "The media could not be decoded"),
    ("MEDIA_ERR_SRC_NOT_SUPPORTED", "No supported source was found"),
    ("150", "The owner of the requested video does not allow it to be played in embedded players"),
    ("networkError", "Network error: the connection was lost"),
)
NONFATAL_ERRORS = (
    ("fragLoadTimeOut", "Fragment load timed out, retrying"),
    ("bufferStalledError", "Playback stalling, buffer empty"),
    ("levelLoadError", "Level playlist failed to load, switching"),
    ("keyLoadTimeOut", "Key load timed out, retrying"),
)
FASTER_RATES = (1.25, 1.5, 1.5, 1.75, 2.0, 0.75)
# Of the viewers who pass a video's planted points: the share who go back 10-20 s to watch the
# passage at rewatch_at_s again, and the share who leave within 5 s after leave_at_s.
REWATCH_SHARE = 0.35
LEAVE_SHARE = 0.25
# The planted behaviour draws from its own generator (seeded by the view's start), so the main
# stream, and with it every other view, is what it was without it.
HARD_COMPLETION = 0.35    # a hard lesson is finished about a third as often ...
HARD_REWIND_CHANCE = 0.06  # ... and rewound in about 6 % of its 10-s stretches


def _pos(p: float) -> str:
    return f'"position_s":{p:.3f},'


def _quality(index: int) -> str:
    rendition, kbps = RENDITIONS[index]
    return f'"bitrate_kbps":{kbps},"rendition":"{rendition}",'


def _error(code: str, message: str, fatal: bool, explicit: bool) -> str:
    flag = f'"error_fatal":{"true" if fatal else "false"},' if explicit or not fatal else ""
    return f'"error_code":"{code}","error_message":"{message}",{flag}'


INTERRUPTIONS = (  # (kind, cumulative share) of what interrupts steady playing
    ("pause", 0.30), ("seek", 0.60), ("quality", 0.80), ("rate", 0.83), ("nonfatal", 0.86), ("fatal", 0.865),
    ("save", 0.905), ("share", 0.92), ("click", 0.94),
)


def _interruption(u: float) -> str:
    for kind, upto in INTERRUPTIONS:
        if u < upto:
            return kind
    return "heartbeat"


def _completion_chance(duration: float) -> float:
    if duration < 300:
        return 0.55
    if duration < 1200:
        return 0.38
    if duration < 3600:
        return 0.2
    return 0.1


def simulate_bot_view(rng: random.Random, out: list, t0: int, duration: float) -> int:
    """Crawlers load, play a few seconds, and leave."""
    t = t0
    out.append((t, "view_start", _pos(0.0)))
    t += rng.randint(5, 40)
    out.append((t, "play", _pos(0.0)))
    t += rng.randint(150, 900)
    out.append((t, "playing", _pos(0.0)))
    pos = 0.0
    for _ in range(rng.randint(0, 3)):
        step = min(10.0, duration - pos)
        if step <= 0:
            break
        t += int(step * 1000)
        pos += step
        out.append((t, "heartbeat", _pos(pos)))
    t += rng.randint(100, 3000)
    out.append((t, "view_end", _pos(pos)))
    return t


def simulate_view(rng: random.Random, out: list, t0: int, duration: float, start_pos: float,
                  bandwidth: float, mobile: bool, feed: bool, rewatch_at_s: float | None = None,
                  leave_at_s: float | None = None, startup_factor: float = 1.0, stall_factor: float = 1.0,
                  completion_factor: float = 1.0, hard: bool = False) -> int:
    """Append one human view's events; returns the true time of its last event. The video's
    planted points (see REWATCH_SHARE) and the client's startup and stall factors shape it;
    `completion_factor` scales the chance of watching to the end; a `hard` lesson is rewound more often."""
    rnd = rng.random
    plant = random.Random(t0)
    emit = out.append
    pos = start_pos
    t = t0
    rate = 1.0
    rate_field = ""
    quality = min(int(bandwidth * 5), 3 if mobile else 4)

    emit((t, "view_start", _pos(pos)))
    if rnd() < 0.9:
        t += rng.randint(0, 40)
        emit((t, "play", _pos(pos)))

    # views that never start: the viewer gives up, or the player fails
    if rnd() < 0.02 + 0.05 * (1 - bandwidth):
        if rnd() < 0.4:
            t += rng.randint(100, 500)
            emit((t, "buffer_start", _pos(pos)))
        t += rng.randint(800, 9000)
        emit((t, "view_end", _pos(pos)))
        return t
    if rnd() < 0.006:
        t += rng.randint(300, 6000)
        code, message = rng.choice(FATAL_ERRORS)
        emit((t, "error", _pos(pos) + _error(code, message, True, rnd() < 0.7)))
        if rnd() < 0.5:
            t += rng.randint(500, 10000)
            emit((t, "view_end", _pos(pos)))
        return t

    startup = min(30000, int(startup_factor * rng.lognormvariate(math.log(500 + 1500 * (1 - bandwidth)), 0.55)))
    if rnd() < 0.6:
        emit((t + startup // 2, "quality_change", _pos(pos) + _quality(quality)))
    t += startup
    emit((t, "playing", _pos(pos)))

    # where this viewer will stop: the end, or somewhere skewed towards the start
    if feed:
        stop = min(duration, pos + rng.uniform(1.5, 8.0))
    elif rnd() < _completion_chance(duration) * completion_factor * (HARD_COMPLETION if hard else 1.0):
        stop = duration
    else:
        stop = pos + max(1.0, (duration - pos) * rnd() ** 2.2)
    if leave_at_s is not None and not feed and pos < leave_at_s < stop and plant.random() < LEAVE_SHARE:
        stop = leave_at_s + plant.uniform(0, 5)
    rewatch_pending = rewatch_at_s is not None and pos < rewatch_at_s
    # chance, per ~10 s of playing, of a stall, and of any other interruption
    stall_chance = 0.002 + 0.03 * (1 - bandwidth) ** 2
    planted_stall_chance = stall_chance * (stall_factor - 1)  # on top, from `plant`
    interruption_chance = stall_chance + 0.1

    while True:
        u = rnd()
        if u >= interruption_chance:
            kind, wall = "heartbeat", 9850 + int(rnd() * 300)
        elif u < stall_chance:
            kind, wall = "rebuffer", 300 + int(rnd() * 9400)
        else:
            kind, wall = _interruption(rnd()), 300 + int(rnd() * 9400)

        to_stop = (stop - pos) / rate * 1000
        if to_stop <= wall:
            t += max(1, int(to_stop))
            pos = stop
            break
        t += wall
        pos += wall * rate / 1000

        # at a heartbeat (whose branch draws nothing from `rng`) just past the planted passage
        if kind == "heartbeat" and rewatch_pending and pos >= rewatch_at_s:
            rewatch_pending = False
            if pos - rewatch_at_s < 20 and plant.random() < REWATCH_SHARE:  # back to it, then on as planned
                emit((t, "heartbeat", _pos(pos) + rate_field))
                t += 200
                pos += 0.2 * rate
                target = max(0.0, rewatch_at_s - plant.uniform(10, 20))
                emit((t, "seek", f'"from_position_s":{pos:.3f},' + _pos(target) + rate_field))
                pos = target
                t += plant.randint(80, 450)
                emit((t, "playing", _pos(pos) + rate_field))
                continue
        if kind == "heartbeat" and planted_stall_chance and plant.random() < planted_stall_chance:
            emit((t, "buffer_start", _pos(pos) + rate_field))
            t += min(30000, int(plant.lognormvariate(math.log(900 + 2500 * (1 - bandwidth)), 0.8)))
            emit((t, "buffer_end", _pos(pos) + rate_field))
            t += plant.randint(5, 40)
            emit((t, "playing", _pos(pos) + rate_field))
            continue

        if hard and kind == "heartbeat" and rnd() < HARD_REWIND_CHANCE:
            kind = "seek"  # a hard lesson: the learner goes back over a passage
        if kind == "heartbeat":
            emit((t, "heartbeat", _pos(pos) + rate_field))
        elif kind == "pause":
            emit((t, "pause", _pos(pos) + rate_field))
            if rnd() < 0.003:
                away = rng.randint(3_700_000, 6_000_000)  # long enough to split the view in two
            else:
                away = int(rng.lognormvariate(math.log(15000), 1.1))
            t += away
            if rnd() < 0.12:  # paused and walked away
                emit((t, "view_end", _pos(pos) + rate_field))
                return t
            emit((t, "play", _pos(pos) + rate_field))
            t += rng.randint(80, 600)
            emit((t, "playing", _pos(pos) + rate_field))
        elif kind == "seek":
            t, pos = _seek(rng, emit, t, pos, duration, bandwidth, rate_field, back_share=0.8 if hard else 0.35)
            if stop <= pos + 1:  # sought past the planned stop: watch a little more from there
                stop = min(duration, pos + rng.uniform(5, 240))
        elif kind == "rebuffer":
            emit((t, "buffer_start", _pos(pos) + rate_field))
            stall = min(30000, int(rng.lognormvariate(math.log(900 + 2500 * (1 - bandwidth)), 0.8)))
            if quality > 0 and rnd() < 0.35:  # the player steps down after a stall
                quality -= 1
                emit((t + stall // 2, "quality_change", _pos(pos) + _quality(quality) + rate_field))
            t += stall
            emit((t, "buffer_end", _pos(pos) + rate_field))
            if rnd() < 0.5:
                t += rng.randint(5, 40)
                emit((t, "playing", _pos(pos) + rate_field))
        elif kind == "quality":
            ceiling = 3 if mobile else 4
            step = 1 if rnd() < 0.6 else -1
            if 0 <= quality + step <= ceiling:  # the ABR ladder has no rung to switch to otherwise
                quality += step
                emit((t, "quality_change", _pos(pos) + _quality(quality) + rate_field))
            else:
                emit((t, "heartbeat", _pos(pos) + rate_field))
        elif kind == "rate":
            rate = 1.0 if rate != 1.0 else rng.choice(FASTER_RATES)
            emit((t, "rate_change", _pos(pos) + f'"playback_rate":{rate},'))
            rate_field = "" if rate == 1.0 else f'"playback_rate":{rate},'
        elif kind == "nonfatal":
            code, message = rng.choice(NONFATAL_ERRORS)
            emit((t, "error", _pos(pos) + _error(code, message, False, True) + rate_field))
        elif kind == "fatal":
            code, message = rng.choice(FATAL_ERRORS)
            emit((t, "error", _pos(pos) + _error(code, message, True, rnd() < 0.7) + rate_field))
            if rnd() < 0.7:
                t += rng.randint(1000, 5000)
                emit((t, "view_end", _pos(pos)))
            return t
        else:  # save / share / click
            emit((t, kind, _pos(pos)))
            if kind == "click" and rnd() < 0.4:
                t += rng.randint(300, 2000)
                emit((t, "view_end", _pos(pos)))
                return t

    # the playhead reached the viewer's stopping point
    if feed:
        emit((t, "skip", _pos(pos)))
        t += rng.randint(50, 400)
        emit((t, "view_end", _pos(pos)))
        return t
    if pos >= duration - 0.001:
        pos = duration
        emit((t, "ended", _pos(pos) + rate_field))
        if rnd() < 0.85:
            t += rng.randint(500, 40000)
            emit((t, "view_end", _pos(pos)))
        return t
    u = rnd()
    if u < 0.7:
        emit((t, "view_end", _pos(pos) + rate_field))
    elif u < 0.9:
        emit((t, "pause", _pos(pos) + rate_field))
        t += rng.randint(5000, 300000)
        emit((t, "view_end", _pos(pos)))
    # else: the tab died without a last beacon
    return t


def _seek(rng: random.Random, emit, t: int, pos: float, duration: float, bandwidth: float,
          rate_field: str, back_share: float = 0.35) -> tuple[int, float]:
    """A seek (sometimes two quick ones while scrubbing), the stall it causes, and `playing` again."""
    for n in range(2 if rng.random() < 0.15 else 1):
        if n:
            t += rng.randint(300, 1500)
        if rng.random() >= back_share:
            target = min(duration - 0.5, pos + rng.uniform(10, 180))
        else:
            target = max(0.0, pos - rng.uniform(5, 90))
        emit((t, "seek", f'"from_position_s":{pos:.3f},' + _pos(target) + rate_field))
        pos = target
    if rng.random() < 0.55:  # seek latency: a stall right after the seek
        t += rng.randint(20, 300)
        emit((t, "buffer_start", _pos(pos) + rate_field))
        t += rng.randint(150, 600 + int(2500 * (1 - bandwidth)))
        emit((t, "buffer_end", _pos(pos) + rate_field))
        t += rng.randint(5, 40)
    else:
        t += rng.randint(80, 450)
    emit((t, "playing", _pos(pos) + rate_field))
    return t, pos
