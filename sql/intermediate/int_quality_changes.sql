-- int_quality_changes: each quality_change event of one chunk of whole sessions with the rendition
-- and bitrate of the view's previous one (lib/sessionize.py runs it chunk by chunk). On a
-- quality_change row, the rendition and bitrate in force are its own. Input: `int_view_events`.
SELECT
    view_key, event_index, occurred_at, position_s,
    lag(rendition_in_force) OVER w AS from_rendition,
    rendition_in_force AS to_rendition,
    lag(bitrate_in_force) OVER w AS from_bitrate_kbps,
    bitrate_in_force AS to_bitrate_kbps,
    row_number() OVER w > 1 AS has_previous
FROM int_view_events
WHERE event_type = 'quality_change'
WINDOW w AS (PARTITION BY view_key ORDER BY event_index)
