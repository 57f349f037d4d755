"""The audience: people with one or more devices (a device = one `viewer_id`), and a few crawlers.

The pool depends only on the seed and its size, so every day (and every worker process) draws
from the same people: viewers return across days, and signed-in people across devices.

Each person is also a kind of learner (`PERSONAS`): finishers follow a course lesson after lesson
and complete them, stallers keep coming back but rarely finish a lesson (their progress stops
growing), droppers stop coming after a few days; the rest watch casually.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace

from .agents import (
    CRAWLER_AGENTS, COUNTRIES, DEVICE_AGENTS, DEVICE_WEIGHTS, SLOW_START_FACTOR, SLOW_START_MARK, STALL_HEAVY_FACTOR,
    STALL_HEAVY_MARK, client_ip, weighted,
)


@dataclass(frozen=True)
class Device:
    viewer_id: str
    user_id: str | None
    device_type: str          # desktop | mobile | tablet | bot
    user_agent: str
    ip: str
    country: str | None
    clock_skew_ms: int        # player clock minus true time
    bandwidth: float          # 0..1, drives startup delay, rebuffering and renditions
    is_bot: bool
    json_tail: str            # the per-device JSON members, pre-encoded once
    startup_factor: float = 1.0  # > 1: a slow-starting client (agents.SLOW_START_MARK)
    stall_factor: float = 1.0    # > 1: a stall-heavy client (agents.STALL_HEAVY_MARK)
    completion_factor: float = 1.0   # the person's chance of finishing a lesson, relative to anyone's
    follows_course: float = 0.5      # chance the next view is the next lesson of the course
    last_day: int | None = None      # a dropper's last day of visits (days after the first generated day)

    @property
    def mobile_network(self) -> bool:
        return self.device_type in ("mobile", "tablet")


def _tail(viewer_id: str, user_id: str | None, user_agent: str, ip: str, country: str | None) -> str:
    members = {"viewer_id": viewer_id}
    if user_id:
        members["user_id"] = user_id
    members["user_agent"] = user_agent
    members["ip"] = ip
    if country:
        members["country"] = country
    return json.dumps(members, ensure_ascii=False, separators=(",", ":"))[1:-1]


def _device(rng: random.Random, user_id: str | None, country: str | None, kind: str | None = None) -> Device:
    kind = kind or weighted(rng, DEVICE_WEIGHTS)
    viewer_id = f"{rng.getrandbits(64):016x}"
    agent = weighted(rng, DEVICE_AGENTS[kind])
    ip = client_ip(rng, ipv6_share=0.25 if kind == "mobile" else 0.12)
    skew = 0 if rng.random() < 0.9 else max(-300_000, min(300_000, int(rng.gauss(0, 40_000))))  # a few clocks are off by seconds
    bandwidth = rng.betavariate(4, 2) if kind == "desktop" else rng.betavariate(2.5, 2)
    return Device(viewer_id, user_id, kind, agent, ip, country, skew, bandwidth, False,
                  _tail(viewer_id, user_id, agent, ip, country),
                  startup_factor=SLOW_START_FACTOR if SLOW_START_MARK in agent else 1.0,
                  stall_factor=STALL_HEAVY_FACTOR if STALL_HEAVY_MARK in agent else 1.0)


def _crawler(rng: random.Random, number: int) -> Device:
    agent, ip_pattern = CRAWLER_AGENTS[number % len(CRAWLER_AGENTS)]
    viewer_id = f"{rng.getrandbits(64):016x}"
    ip = ip_pattern.format(rng.randint(0, 255), rng.randint(1, 254))
    return Device(viewer_id, None, "bot", agent, ip, "US", 0, 1.0, True, _tail(viewer_id, None, agent, ip, "US"))


@dataclass(frozen=True)
class Audience:
    people: list[list[Device]]   # each person's devices; index 0 is their main device
    crawlers: list[Device]

    def pick(self, rng: random.Random, day: int = 0) -> Device:
        """A device for a new visit on `day` (days after the first generated day). Low indexes are
        heavy users, so the same people come back; a dropper past their last day does not."""
        for _ in range(20):
            person = self.people[int(len(self.people) * rng.random() ** 2.2)]
            if person[0].last_day is None or day <= person[0].last_day:
                break
        if len(person) == 1 or rng.random() < 0.6:
            return person[0]
        return rng.choice(person[1:])


    def pick_crawler(self, rng: random.Random) -> Device:
        """Googlebot and bingbot (first in the list) crawl the most."""
        return self.crawlers[int(len(self.crawlers) * rng.random() ** 2)]


def build_audience(seed: int, people: int) -> Audience:
    rng = random.Random(f"audience:{seed}")
    crowd = []
    for _ in range(max(1, people)):
        country = weighted(rng, COUNTRIES) if rng.random() < 0.97 else None
        signed_in = rng.random() < 0.4
        user_id = f"u_{rng.getrandbits(40):010x}" if signed_in else None
        devices = [_device(rng, user_id, country)]
        if signed_in:  # account holders also watch on their other devices
            for _ in range(rng.choices((0, 1, 2), (50, 35, 15))[0]):
                devices.append(_device(rng, user_id, country))
        crowd.append(_with_persona(devices, random.Random(f"persona:{seed}:{len(crowd)}")))
    crawlers = [_crawler(rng, n) for n in range(max(len(CRAWLER_AGENTS), people // 400))]
    return Audience(crowd, crawlers)


# persona -> (share of people, completion factor, chance of following the course)
PERSONAS = {"finisher": (0.15, 2.2, 0.85), "staller": (0.15, 0.15, 0.5), "dropper": (0.2, 1.0, 0.6),
            "casual": (0.5, 1.0, 0.5)}


def _with_persona(devices: list[Device], rng: random.Random) -> list[Device]:
    """The person's devices with their learner persona (its own generator: the rest stays the same)."""
    names = list(PERSONAS)
    persona = rng.choices(names, [PERSONAS[n][0] for n in names])[0]
    _, completion, follows = PERSONAS[persona]
    last_day = rng.randint(0, 10) if persona == "dropper" else None
    return [replace(d, completion_factor=completion, follows_course=follows, last_day=last_day) for d in devices]
