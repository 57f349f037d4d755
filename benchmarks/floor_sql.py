"""The floor's SQL pieces, shared by the DuckDB floor statement (bench_engine.py) and the
PostgreSQL refresh that does the same work (postgres_baseline.py)."""

# the landing files' lines as typed rows, unreadable lines skipped (DuckDB)
READ_LANDING = """read_json('{root}/landing/events/*/*.jsonl.gz', format = 'newline_delimited',
        ignore_errors = true, columns = {{event_id: 'VARCHAR', event_type: 'VARCHAR',
        occurred_at: 'VARCHAR', session_id: 'VARCHAR', viewer_id: 'VARCHAR', video_id: 'VARCHAR',
        position_s: 'DOUBLE', from_position_s: 'DOUBLE', playback_rate: 'DOUBLE',
        user_agent: 'VARCHAR', ip: 'VARCHAR', referrer: 'VARCHAR'}})"""

# after `gaps` (each event with new_view, prev_type, prev_pos and wall_s in its session, by ts):
# the views and the per-video figures; the same text in both dialects
VIEWS_PER_VIDEO = """views AS (
    SELECT session_id, video_id, viewer_id,
        sum(new_view) OVER (PARTITION BY session_id ORDER BY ts) AS view_n,
        CASE WHEN prev_type IN ('playing', 'heartbeat', 'buffer_end') AND position_s > prev_pos
             AND position_s - prev_pos <= wall_s * coalesce(playback_rate, 1) + 2
             THEN position_s - prev_pos ELSE 0 END AS played_s
    FROM gaps
), per_video AS (
    SELECT video_id, count(DISTINCT session_id || ':' || view_n) AS views,
        count(DISTINCT viewer_id) AS viewers, sum(played_s) AS watch_s
    FROM views GROUP BY video_id
)"""
