"""What the generator plants for the insights (a rewatched passage, a leaving point, slow-start and
stall-heavy clients), measured on the events `simulate_view` fires."""

from __future__ import annotations

import json
import random
from datetime import date
from statistics import median

from analytics_pipeline.lib.generator.agents import SLOW_START_MARK, STALL_HEAVY_MARK
from analytics_pipeline.lib.generator.catalog import build_catalog
from analytics_pipeline.lib.generator.viewers import _device
from analytics_pipeline.lib.generator.views import LEAVE_SHARE, REWATCH_SHARE, simulate_view

VIEWS = 600


def views(**planted) -> list[list[tuple[int, str, dict]]]:
    rng = random.Random(5)
    out = []
    for n in range(VIEWS):
        events: list = []
        simulate_view(rng, events, n * 10_000_000, 100.0, 0.0, 0.6, False, False, **planted)
        out.append([(t, kind, json.loads("{" + body.rstrip(",") + "}")) for t, kind, body in events])
    return out


def startup_ms(view) -> int | None:
    playing = next((t for t, kind, _ in view if kind == "playing"), None)
    return None if playing is None else playing - view[0][0]


def test_slow_start_and_stall_heavy_clients():
    plain, slow, stalling = views(), views(startup_factor=4.0), views(stall_factor=6.0)
    assert median(s for v in slow if (s := startup_ms(v))) > 3 * median(s for v in plain if (s := startup_ms(v)))
    def rebuffers(vs) -> int:  # stalls while playing, not the seek latency right after a seek
        return sum(kind == "buffer_start" and before != "seek"
                   for v in vs for (_, before, _), (_, kind, _) in zip(v, v[1:]))

    assert rebuffers(stalling) > 3 * rebuffers(plain) > 0


def test_many_viewers_go_back_to_the_passage_and_leave_at_the_point():
    rewinds = sum(any(kind == "seek" and 50 <= body["from_position_s"] < 70 and 30 <= body["position_s"] <= 40
                      for _, kind, body in v) for v in views(rewatch_at_s=50.0))
    assert rewinds > 0.5 * REWATCH_SHARE * VIEWS * 0.5  # of the views that pass 50 s (about half or more)
    plain_leaves = sum(20 <= v[-1][2].get("position_s", -1) <= 25 for v in views())
    leaves = sum(20 <= v[-1][2].get("position_s", -1) <= 25 for v in views(leave_at_s=20.0))
    assert leaves - plain_leaves > 0.5 * LEAVE_SHARE * VIEWS * 0.5


def test_the_catalog_and_the_audience_carry_the_plants():
    catalog = build_catalog(3, date(2026, 6, 1))
    long = [v for v in catalog.videos if v.duration_s >= 90]
    assert long and all(0.4 * v.duration_s <= v.rewatch_at_s < 0.7 * v.duration_s for v in long)
    assert all(0.15 * v.duration_s <= v.leave_at_s < 0.35 * v.duration_s for v in long)
    assert all(v.rewatch_at_s is None and v.leave_at_s is None for v in catalog.videos if v.duration_s < 90)
    rng = random.Random(1)
    devices = [_device(rng, None, "US", "mobile") for _ in range(400)]
    assert {d.startup_factor > 1 for d in devices if SLOW_START_MARK in d.user_agent} == {True}
    assert {d.stall_factor > 1 for d in devices if STALL_HEAVY_MARK in d.user_agent} == {True}
    assert {(d.startup_factor, d.stall_factor) for d in devices
            if SLOW_START_MARK not in d.user_agent and STALL_HEAVY_MARK not in d.user_agent} == {(1.0, 1.0)}
