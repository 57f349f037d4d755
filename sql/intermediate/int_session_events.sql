-- The events of every session with an event on $day (its D-1 and D+1 events included), in
-- view order: session, occurred_at, then file order. Inputs: `events`, parameter $day.
-- `session_no` numbers the sessions in session_id order (the id itself is looked up later).
-- Materialised in this order: the models after it read it with order-dependent windows.
-- Narrow, because sorting is the cost: of the client fields only whether each is set; the few
-- events whose values a view takes are looked up by their delivery (file and line) later.
WITH day_sessions AS (
    -- the day's sessions numbered in session_id order, so the sort below keys on an integer
    SELECT session_id, row_number() OVER (ORDER BY session_id) AS session_no
    FROM (SELECT DISTINCT session_id FROM events WHERE date = $day)
)
SELECT
    s.session_no,
    occurred_at,
    event_type,
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
    arrival_date,
    source_file,
    line_number
FROM events
JOIN day_sessions AS s USING (session_id)
ORDER BY s.session_no, occurred_at, arrival_date, source_file, line_number
