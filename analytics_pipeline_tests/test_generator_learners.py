"""What the sample data gives the learner tables: lesson positions, one struggle lecture per course,
learners who finish, stall or drop, signed-in learners on several devices."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date

from analytics_pipeline.lib.generator.catalog import build_catalog, catalog_files
from analytics_pipeline.lib.generator.viewers import build_audience
from analytics_pipeline.lib.generator.views import simulate_view


def test_lessons_have_positions_in_course_order_and_most_courses_a_hard_one():
    catalog = build_catalog(7, date(2026, 1, 1))
    rows = list(csv.DictReader(io.StringIO(catalog_files(catalog)["videos.csv"].decode())))
    for course_id, _, _ in catalog.courses:
        lessons = [r for r in rows if r["course_id"] == course_id]
        assert [int(r["position"]) for r in lessons] == list(range(1, len(lessons) + 1))
        assert [r["title"][:2] for r in lessons] == [f"{n:02d}" for n in range(1, len(lessons) + 1)]
        hard = [v for v in catalog.lessons_of(course_id) if v.hard]
        assert len(hard) == 1 and hard[0].position >= 3 and not hard[0].is_preview
    assert all(r["position"] == "" for r in rows if r["course_id"] == "")
    # the hard lesson comes from its own generator: ids and lengths are those of the same seed before
    assert [v.video_id for v in catalog.videos] == [v.video_id for v in build_catalog(7, date(2026, 1, 1)).videos]


def _outcomes(hard: bool, completion_factor: float = 1.0, n: int = 600):
    ended = rewinds = 0
    for k in range(n):
        events: list = []
        simulate_view(random.Random(f"view:{k}"), events, 0, 240.0, 0.0, 0.9, False, False,
                      completion_factor=completion_factor, hard=hard)
        ended += any(e[1] == "ended" for e in events)
        for e in events:
            if e[1] == "seek":
                before = float(e[2].split('"from_position_s":')[1].split(",")[0])
                after = float(e[2].split('"position_s":')[1].split(",")[0])
                rewinds += after < before
    return ended / n, rewinds / n


def test_a_hard_lesson_is_finished_less_and_rewound_more_than_its_neighbours():
    normal_end, normal_rewinds = _outcomes(hard=False)
    hard_end, hard_rewinds = _outcomes(hard=True)
    assert hard_end < 0.6 * normal_end
    assert hard_rewinds > 3 * normal_rewinds


def test_finishers_stallers_and_droppers():
    audience = build_audience(5, 2000)
    people = Counter()
    for person in audience.people:
        d = person[0]
        kind = ("dropper" if d.last_day is not None else "finisher" if d.completion_factor > 1
                else "staller" if d.completion_factor < 1 else "casual")
        people[kind] += 1
        assert len({x.completion_factor for x in person}) == 1  # one person, one persona, on every device
    assert all(people[k] > 150 for k in ("finisher", "staller", "dropper")), people
    assert _outcomes(False, completion_factor=0.15)[0] < 0.5 * _outcomes(False)[0]
    # after their last day, droppers no longer come back
    rng = random.Random(1)
    late = [audience.pick(rng, day=30) for _ in range(3000)]
    early = [audience.pick(rng, day=0) for _ in range(3000)]
    assert not any(d.last_day is not None for d in late)
    assert sum(d.last_day is not None for d in early) > 100
    signed_in = [p for p in audience.people if p[0].user_id and len(p) > 1]
    assert signed_in and all(len({d.viewer_id for d in p}) == len(p) for p in signed_in)
