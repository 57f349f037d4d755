"""Days built side by side: in order, two at a time, stopping at a failed day; only small days."""

import os
import threading
from datetime import date, timedelta

import pytest

from analytics_pipeline.lib.side_by_side import SMALL_DAY_BYTES, beside_next_day, days_at_once, in_day_order, memory_share

DAYS = [date(2026, 6, 1) + timedelta(days=i) for i in range(5)]


def test_days_come_back_in_order_with_two_being_built_at_once():
    started = {day: threading.Event() for day in DAYS}

    def build(day):
        started[day].set()
        i = DAYS.index(day)
        if i + 1 < len(DAYS) and i % 2 == 0:  # only returns once the next day has started beside it
            assert started[DAYS[i + 1]].wait(10), f"{DAYS[i + 1]} was not started beside {day}"
        return day.toordinal()

    assert list(in_day_order(build, DAYS, 2)) == [(day, day.toordinal()) for day in DAYS]


def test_a_failed_day_stops_the_run_after_the_day_beside_it():
    built = []

    def build(day):
        built.append(day)
        if day == DAYS[1]:
            raise ValueError("bad day")
        return day

    out = []
    with pytest.raises(ValueError, match="bad day"):
        for day, _ in in_day_order(build, DAYS, 2):
            out.append(day)
    assert out == DAYS[:1]
    assert set(built) <= set(DAYS[:3]) and DAYS[3] not in built and DAYS[4] not in built


def test_only_several_small_days_are_built_at_once_each_with_its_share_of_memory():
    assert days_at_once([]) == 1
    assert days_at_once([1000]) == 1  # a one-day run keeps the whole memory limit
    assert days_at_once([1000, SMALL_DAY_BYTES]) == min(2, os.cpu_count() or 1)
    assert days_at_once([1000, SMALL_DAY_BYTES + 1]) == 1  # a big day uses both cores alone
    assert memory_share("2GB", 1) == "2GB"
    assert memory_share("2GB", 2) == "953MiB"


def test_what_was_built_and_never_handed_out_is_discarded():
    discarded, second_built = [], threading.Event()

    def build(day):
        if day == DAYS[1]:
            second_built.set()
        return day

    days = in_day_order(build, DAYS, 2, discard=discarded.append)
    assert next(days) == (DAYS[0], DAYS[0])
    assert second_built.wait(10)
    days.close()  # the caller stops: the day built beside the first is given back
    assert discarded == [DAYS[1]]


def test_a_days_work_beside_runs_while_the_next_day_is_built_and_comes_back_in_order():
    build_started = {day: threading.Event() for day in DAYS}
    built = []

    def build(day):
        build_started[day].set()
        built.append(day)
        return day.toordinal()

    def beside(day, ordinal):
        i = DAYS.index(day)
        if i + 1 < len(DAYS):  # only returns once the next day is being built
            assert build_started[DAYS[i + 1]].wait(10), f"{DAYS[i + 1]} was not built beside {day}'s work"
        return ordinal + 1

    assert list(beside_next_day(DAYS, build, beside)) == [(day, day.toordinal() + 1) for day in DAYS]
    assert built == DAYS


def test_a_drawing_process_draws_elsewhere_what_this_process_draws():
    from analytics_pipeline.defs.marts.pictures import drawing_process
    from analytics_pipeline.lib.charts import bars_png

    args = ([3, 1, 4], ["0-10", "10-20", "20-30"], "experience_score", "views")
    with drawing_process(True) as draw:
        assert draw(os.getpid) != os.getpid()
        assert draw(bars_png, *args) == bars_png(*args)
    with drawing_process(False) as draw:
        assert draw(os.getpid) == os.getpid()
