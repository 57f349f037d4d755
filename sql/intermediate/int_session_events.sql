-- The events of every session with an event on $day (its D-1 and D+1 events included), in
-- view order: session, occurred_at, then delivery (file, line). Inputs: `events`,
-- `int_delivery_files`, parameter $day.
-- Narrow, because sorting is the cost: integers for the session (`session_no`, in session_id
-- order) and the file (`file_no`), and of the client fields only whether each is set; the few
-- events whose values a view takes are looked up by their delivery (file and line) later.
WITH day_sessions AS (
    -- the day's sessions numbered in session_id order, so the sort below keys on an integer
    SELECT session_id, row_number() OVER (ORDER BY session_id) AS session_no
    FROM (SELECT DISTINCT session_id FROM events WHERE date = $day)
)
SELECT
    s.session_no,
    occurred_at,
    -- an enum of the types player-events.md allows (staging quarantines any other): one byte,
    -- compared as an integer in Polars and DuckDB, instead of a string through the sort
    CAST(event_type AS ENUM('view_start', 'play', 'playing', 'pause', 'seek', 'heartbeat', 'buffer_start',
                            'buffer_end', 'quality_change', 'rate_change', 'error', 'ended', 'view_end',
                            'save', 'share', 'click', 'skip')) AS event_type,
    -- spelled out: DuckDB turns an IN list this long into a join (see staging/stg_event_lines)
    (event_type = 'view_start' OR event_type = 'play' OR event_type = 'playing' OR
     event_type = 'pause' OR event_type = 'seek' OR event_type = 'heartbeat' OR
     event_type = 'buffer_start' OR event_type = 'buffer_end' OR
     event_type = 'quality_change' OR event_type = 'rate_change' OR
     event_type = 'error' OR event_type = 'ended' OR event_type = 'view_end')
        AS is_playback,
    event_type = 'error' AND coalesce(error_fatal, true) AS is_fatal_error,  -- true when absent
    position_s,
    from_position_s,
    duration_s,
    playback_rate,
    bitrate_kbps,
    rendition,
    coalesce(is_bot, false) AS is_bot,
    user_id IS NOT NULL AS has_user_id,
    device_type IS NOT NULL AS has_device_type,
    browser IS NOT NULL AS has_browser,
    os IS NOT NULL AS has_os,
    country IS NOT NULL AS has_country,
    player IS NOT NULL AS has_player,
    f.file_no,
    line_number
FROM events
JOIN day_sessions AS s USING (session_id)
JOIN int_delivery_files AS f USING (arrival_date, source_file)
ORDER BY s.session_no, occurred_at, f.file_no, line_number
