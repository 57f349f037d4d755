-- The events of every session with an event on $day (its D-1 and D+1 events included), in
-- view order: session, occurred_at, then file order. Inputs: `events`, parameter $day.
-- Materialised in this order: the models after it read it with order-dependent windows.
-- Narrow, because sorting is the cost: of the client fields only whether each is set; the few
-- events whose values a view takes are looked up by their delivery (file and line) later.
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
-- DISTINCT: a semi join that hashes the day's sessions, not each of its events
WHERE session_id IN (SELECT DISTINCT session_id FROM events WHERE date = $day)
ORDER BY session_id, occurred_at, arrival_date, source_file, line_number
