"""The marts of one day (issue 3): SQL models in `sql/marts/`, run on a DuckDB connection.

The caller registers the input relations under fixed names (see `MART_INPUTS`) for just the
days each mart needs, then calls `build_daily_marts(con, day)` and `build_viewer_progress`.
Every aggregate comes from the period macros of `sql/warehouse/macros.sql` over the one-day
range D..D, so a daily mart and `video_stats(D, D)` in the warehouse agree by construction.

Chained outputs, and how a re-run stays right:
- `video_counters` of D = the row of D-1 (`prev_video_counters`) + D's views. Rebuilding day D
  (late events) means rebuilding D+1, D+2, ... after it, in order: the counters partitioned
  asset depends on its own previous partition. Cost per day: the videos ever viewed.
- `video_counted_views` of D (the seed counters' 24-hour rule) reads D-1's: a chain like
  `video_counters`. `viewer_first_views` of D reads every earlier partition (one row per viewer
  ever seen, so a read of every known viewer id per day, never a rewrite): rebuilding D means
  rebuilding the days after it, which the same chain does.
- `viewer_progress` of D = the snapshot as of an earlier day (`prev_viewer_progress`, its rows
  carry `as_of_date`) + the views of the days after that date up to D. It holds merged played
  ranges instead of running sums of seconds, so applying days one at a time or all at once from
  an empty snapshot gives the same rows. To re-run an old day D, pass the state as of D-1 (the
  caller keeps one state per day, or rebuilds from an empty snapshot over the daily partitions);
  a snapshot already at or past D is refused, since its days would be counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import pyarrow as pa

from analytics_pipeline.lib.duck import arrow_of, load_sql
from analytics_pipeline.lib.marts_schemas import MART_SCHEMAS, conform


@dataclass(frozen=True)
class MartInput:
    """A relation a mart reads: lake `table`, day offsets relative to D (inclusive), or None
    for a snapshot (no day partitions)."""

    table: str
    days: tuple[int, int] | None


_SESSIONS_D = MartInput("playback_sessions", (0, 0))
_RANGES_D = MartInput("played_ranges", (0, 0))
_CATALOG = MartInput("video_catalog", None)
# D-1's counted views: the only ones a view of D can fall within 24 hours of
_PREV_COUNTED_VIEWS = MartInput("video_counted_views", (-1, -1))
# every partition before D (the caller registers them: one row per viewer ever seen)
_EARLIER_FIRST_VIEWS = MartInput("viewer_first_views", None)

# mart -> {relation name the SQL reads -> where it comes from}
MART_INPUTS: dict[str, dict[str, MartInput]] = {
    # D-1: views that began before midnight and are still active count in D's peak.
    "video_daily": {
        "playback_sessions": MartInput("playback_sessions", (-1, 0)), "played_ranges": _RANGES_D, "video_catalog": _CATALOG,
        "quality_changes": MartInput("quality_changes", (0, 0)),
    },
    # learner_course_progress as of D (built before the daily marts): new and at-risk learners
    "course_daily": {
        "playback_sessions": _SESSIONS_D, "video_catalog": _CATALOG,
        "learner_course_progress_day": MartInput("learner_course_progress_history", (0, 0)),
    },
    "creator_daily": {"playback_sessions": _SESSIONS_D, "video_catalog": _CATALOG},
    "platform_daily": {
        "playback_sessions": MartInput("playback_sessions", (-1, 0)),
        "video_catalog": _CATALOG,
        "ingest_audit": MartInput("ingest_audit", (0, 0)),  # arrival day D
        "events_day_counts": MartInput("events_day_counts", (0, 0)),  # event day D
        "earlier_first_views": _EARLIER_FIRST_VIEWS,
    },
    "qoe_daily": {"playback_sessions": _SESSIONS_D, "video_catalog": _CATALOG},
    "rendition_daily": {"playback_sessions": _SESSIONS_D, "played_ranges": _RANGES_D, "video_catalog": _CATALOG},
    "video_heatmap_daily": {
        "playback_sessions": _SESSIONS_D, "played_ranges": _RANGES_D, "video_catalog": _CATALOG,
    },
    "video_counters": {
        "playback_sessions": _SESSIONS_D,
        "video_catalog": _CATALOG,
        "prev_video_counters": MartInput("video_counters", (-1, -1)),
        "prev_counted_views": _PREV_COUNTED_VIEWS,
    },
    "video_counted_views": {"playback_sessions": _SESSIONS_D, "prev_counted_views": _PREV_COUNTED_VIEWS},
    "viewer_first_views": {"playback_sessions": _SESSIONS_D, "earlier_first_views": _EARLIER_FIRST_VIEWS},
    # D-1: is D's first view the continuation of a visit begun before midnight?
    # D+1: D's visits running past midnight. So D's visits change when D+1 is rebuilt.
    "viewer_sessions": {"playback_sessions": MartInput("playback_sessions", (-1, 1)), "video_catalog": _CATALOG},
    # prev: the viewer_progress state as of D-1 (see the module docstring).
    "viewer_progress": {
        "playback_sessions": _SESSIONS_D,
        "played_ranges": _RANGES_D,
        "video_catalog": _CATALOG,
        "prev_viewer_progress": MartInput("viewer_progress", None),
    },
    # prev: the learner_course_progress state as of D-1 (lib/learners.py); viewer_progress of D
    "learner_course_progress": {
        "playback_sessions": _SESSIONS_D,
        "video_catalog": _CATALOG,
        "prev_learner_course_progress": MartInput("learner_course_progress", None),
    },
}

DAILY_MARTS = (
    "video_daily", "course_daily", "creator_daily", "platform_daily", "qoe_daily",
    "rendition_daily", "video_heatmap_daily", "video_counters", "viewer_sessions",
    "video_counted_views", "viewer_first_views",
)

# Intermediate models several marts read, materialised once per day: temp table -> its SQL model.
_SHARED_MODELS = {
    "day_entity_stats": "day_entity_stats", "day_peak_concurrency": "day_peak_concurrency",
    "day_counted_views": "video_counted_views", "day_first_views": "viewer_first_views",
}
# Marts that are one of those models as it is.
_MODEL_MARTS = {"video_counted_views": "day_counted_views", "viewer_first_views": "day_first_views"}


def input_days(day: date, marts: tuple[str, ...] = DAILY_MARTS) -> dict[str, tuple[str, list[date] | None]]:
    """Relation name -> (lake table, the days to register; None = snapshot) for these marts."""
    offsets: dict[str, tuple[str, set[int] | None]] = {}
    for mart in marts:
        for relation, source in MART_INPUTS[mart].items():
            table, wanted = offsets.get(relation, (source.table, set()))
            if source.days is None:
                offsets[relation] = (table, None)
            elif wanted is not None:
                wanted.update(range(source.days[0], source.days[1] + 1))
                offsets[relation] = (table, wanted)
    return {
        relation: (table, None if wanted is None else [day + timedelta(days=o) for o in sorted(wanted)])
        for relation, (table, wanted) in offsets.items()
    }


def create_period_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The warehouse macros (video_stats, ..., popular_videos) over `playback_sessions`."""
    create_macros_once(con, "warehouse/macros")


def create_macros_once(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """`sql/<name>.sql`'s macros, unless this connection has them: a run over many days builds them
    on one connection, and creating the warehouse macros takes about 60 ms."""
    flag = "macros_" + name.replace("/", "_")
    if con.execute(f"SELECT getvariable('{flag}')").fetchall() == [(None,)]:
        con.execute(load_sql(name))
        con.execute(f"SET VARIABLE {flag} = true")


def _prepare(con: duckdb.DuckDBPyConnection, day: date) -> None:
    con.execute("SET VARIABLE mart_day = CAST(? AS DATE)", [day.isoformat()])
    create_period_macros(con)


def _run(con: duckdb.DuckDBPyConnection, name: str) -> pa.Table:
    query = f"SELECT * FROM {_MODEL_MARTS[name]}" if name in _MODEL_MARTS else load_sql(f"marts/{name}")
    return conform(arrow_of(con, query), MART_SCHEMAS[name])


def build_daily_marts(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, pa.Table]:
    """Every daily mart of `day` from the relations registered on `con` (see MART_INPUTS)."""
    _prepare(con, day)
    for model, sql_name in _SHARED_MODELS.items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {model} AS {load_sql(f'marts/{sql_name}')}")
    try:
        return {name: _run(con, name) for name in DAILY_MARTS}
    finally:
        for model in _SHARED_MODELS:
            con.execute(f"DROP TABLE IF EXISTS {model}")


# What the day's pictures in Dagster mark (not lake tables): key_moments(D, D) and the
# distribution of the views' experience scores.
DAY_INSIGHTS = ("key_moments", "experience_scores")


def build_day_insights(con: duckdb.DuckDBPyConnection, marts: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """After `build_daily_marts` on `con`: the day's key moments, by the warehouse's own macro over
    the day's `video_daily` and `video_heatmap_daily` rows, and `marts/day_experience_scores`."""
    for name in ("video_daily", "video_heatmap_daily"):
        con.register(f"__{name}_day", marts[name])
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT *, getvariable('mart_day') AS date FROM __{name}_day")
    create_macros_once(con, "warehouse/retention_macros")
    return {
        "key_moments": arrow_of(con, "SELECT * FROM key_moments(getvariable('mart_day'), getvariable('mart_day'))"),
        "experience_scores": arrow_of(con, load_sql("marts/day_experience_scores")),
    }


def build_viewer_progress(con: duckdb.DuckDBPyConnection, day: date) -> pa.Table:
    """The viewer_progress snapshot as of `day` (see the module docstring)."""
    _prepare(con, day)
    [(applied_until,)] = con.execute("SELECT max(as_of_date) FROM prev_viewer_progress").fetchall()
    if applied_until is not None and applied_until >= day:
        raise ValueError(
            f"viewer_progress snapshot is already as of {applied_until}; building {day} needs the "
            f"state as of {day - timedelta(days=1)} (or an empty one and every day up to {day})"
        )
    return _run(con, "viewer_progress")

