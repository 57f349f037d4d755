-- The events of every session with an event on $day (its D-1 and D+1 events included), in
-- view order: session, occurred_at, then file order. Inputs: `events`, parameter $day.
-- Materialised in this order: the models after it read it with order-dependent windows.
SELECT
    session_id,
    occurred_at,
    event_type,
    event_type IN ('view_start', 'play', 'playing', 'pause', 'seek', 'heartbeat', 'buffer_start',
                   'buffer_end', 'quality_change', 'rate_change', 'error', 'ended', 'view_end')
        AS is_playback,
    event_type = 'error' AND coalesce(error_fatal, true) AS is_fatal_error,  -- true when absent
    position_s,
    from_position_s,
    duration_s,
    playback_rate,
    bitrate_kbps,
    rendition,
    viewer_id,
    user_id,
    video_id,
    is_bot,
    device_type,
    browser,
    os,
    country,
    player
FROM events
WHERE session_id IN (SELECT session_id FROM events WHERE date = $day)
ORDER BY session_id, occurred_at, arrival_date, source_file, line_number
