"""The architecture the pipeline replaces, on the same files: a PostgreSQL table of player events
(what per-request inserts leave behind) and a cron job's `REFRESH MATERIALIZED VIEW` that turns
them into per-video figures. The view does the floor statement's work (bench_engine.FLOOR_SQL):
drop repeated event ids, split sessions into views at 60-minute gaps, count views, viewers and
played seconds per video.

Needs a server: `source .ci/postgres.sh && ci_postgres_start` exports DAGSTER_PG_* (a throwaway
one on 127.0.0.1). The load is timed apart from the refresh: the seeds paid it request by request.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time

import duckdb
import psutil

from floor_sql import READ_LANDING, VIEWS_PER_VIDEO

PG_VARS = ("DAGSTER_PG_HOST", "DAGSTER_PG_PORT", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB")

# the floor's columns, typed the way the seeds' insert handler stored them
COLUMNS = """event_id TEXT, event_type TEXT, ts TIMESTAMPTZ, session_id TEXT, viewer_id TEXT,
    video_id TEXT, position_s FLOAT8, from_position_s FLOAT8, playback_rate FLOAT8, user_agent TEXT,
    ip TEXT, referrer TEXT"""

# the rows the floor keeps, as CSV for COPY (DuckDB reads the JSON: the seeds' app parsed each request)
LOAD_SQL = f"""
COPY (
    SELECT event_id, event_type, try_cast(occurred_at AS TIMESTAMPTZ) AS ts, session_id, viewer_id,
           video_id, position_s, from_position_s, playback_rate, user_agent, ip, referrer
    FROM {READ_LANDING}
    WHERE event_id IS NOT NULL AND session_id IS NOT NULL
) TO '{{csv}}' (FORMAT csv, HEADER false)
"""

# FLOOR_SQL in PostgreSQL's dialect
REFRESHED_VIEW = f"""
CREATE MATERIALIZED VIEW video_stats AS
WITH events AS (
    SELECT DISTINCT ON (event_id) * FROM player_events ORDER BY event_id
), gaps AS (
    SELECT *, CASE WHEN ts - lag(ts) OVER w > INTERVAL '60 minutes' THEN 1 ELSE 0 END AS new_view,
        lag(event_type) OVER w AS prev_type, lag(position_s) OVER w AS prev_pos,
        extract(epoch FROM ts - lag(ts) OVER w) AS wall_s
    FROM events WINDOW w AS (PARTITION BY session_id ORDER BY ts)
), {VIEWS_PER_VIDEO}
SELECT * FROM per_video
WITH NO DATA
"""


def available() -> bool:
    return all(os.environ.get(v) for v in PG_VARS)


def _connect():
    import psycopg2  # dagster-postgres' driver; only this baseline needs it

    env = os.environ
    return psycopg2.connect(host=env["DAGSTER_PG_HOST"], port=int(env["DAGSTER_PG_PORT"]), user=env["DAGSTER_PG_USER"],
                            password=env["DAGSTER_PG_PASSWORD"], dbname=env["DAGSTER_PG_DB"])


class _ServerPeak:
    """The server's summed RSS (postmaster, backends, parallel workers), sampled every 50 ms."""

    def __init__(self, cur):
        cur.execute("SHOW data_directory")
        with open(os.path.join(cur.fetchone()[0], "postmaster.pid")) as f:
            self.root = psutil.Process(int(f.readline()))
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            total = 0
            for p in [self.root, *self.root.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run(root: str, work_mems: tuple[str, ...] = ("4MB", "256MB")) -> dict:
    """Load the files' events into PostgreSQL, then time one refresh per `work_mem` (4MB is
    PostgreSQL's default, the seeds' configuration; 256MB a tuned one); returns the figures."""
    with tempfile.TemporaryDirectory(prefix="pg-baseline-") as tmp:
        csv = os.path.join(tmp, "events.csv")
        started = time.perf_counter()
        duckdb.connect().execute(LOAD_SQL.format(root=root, csv=csv))
        with _connect() as pg, pg.cursor() as cur:
            cur.execute("DROP MATERIALIZED VIEW IF EXISTS video_stats; DROP TABLE IF EXISTS player_events")
            cur.execute(f"CREATE TABLE player_events ({COLUMNS})")
            with open(csv) as f:
                cur.copy_expert("COPY player_events FROM STDIN (FORMAT csv)", f)
            # the seeds' table is indexed for their per-session reads
            cur.execute("CREATE INDEX ON player_events (session_id, ts)")
            cur.execute("ANALYZE player_events")
            cur.execute(REFRESHED_VIEW)
            pg.commit()
            loaded = time.perf_counter() - started
            refreshes, rows = {}, set()
            for work_mem in work_mems:
                cur.execute(f"SET work_mem = '{work_mem}'")
                with _ServerPeak(cur) as server:
                    started = time.perf_counter()
                    cur.execute("REFRESH MATERIALIZED VIEW video_stats")
                    pg.commit()
                    refreshes[work_mem] = {"refresh_s": round(time.perf_counter() - started, 2)}
                refreshes[work_mem]["server_peak_rss_mib"] = round(server.peak / 2**20)
                cur.execute("SELECT count(*) FROM video_stats")
                rows.add(cur.fetchone()[0])
            cur.execute("DROP MATERIALIZED VIEW video_stats; DROP TABLE player_events")
            pg.commit()
    (count,) = rows
    return {"load_s": round(loaded, 2), "rows": count, "refresh": refreshes}
