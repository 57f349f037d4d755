-- arrival_events: the accepted, deduplicated events of an arrival, in the `events` columns.
-- Inputs: `staged`, `files` (file_order -> source_file), `ip_lookup` (ip -> ip_hash),
-- `ua_lookup` (parsed user agents), `video_catalog`, `arrival_duplicates`; parameter $arrival.
SELECT
    a.event_id, a.event_type, a.occurred_at, a.received_at, a.session_id, a.viewer_id, a.user_id,
    a.video_id, a.position_s, a.from_position_s, a.duration_s, a.playback_rate, a.bitrate_kbps,
    a.rendition, a.error_code, a.error_message, a.error_fatal, a.user_agent, l.ip_hash, a.country,
    a.referrer, a.player, a.properties,
    coalesce(u.device_type, 'unknown') AS device_type, u.browser, u.os, coalesce(u.is_bot, false) AS is_bot,
    c.video_id IS NULL AS unknown_video,
    a.occurred_at::DATE AS event_date, $arrival::DATE AS arrival_date, f.source_file, a.line_number
FROM staged a
JOIN files f ON f.file_order = a.file_order
LEFT JOIN ip_lookup l ON l.ip = a.ip
LEFT JOIN ua_lookup u ON u.user_agent IS NOT DISTINCT FROM a.user_agent
LEFT JOIN video_catalog c ON c.video_id = a.video_id
WHERE a.reason IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM arrival_duplicates d WHERE d.file_order = a.file_order AND d.line_number = a.line_number
  )
