-- One row per quality_change event of the views that begin on the day (insights.md): the
-- rendition and bitrate it switched to, those of the view's previous quality_change (null for
-- the first), and the direction: by bitrate when both are known, else by the renditions'
-- heights ('720p' < '1080p'), else 'same' for the same rendition name; null when the previous
-- is unknown. On a quality_change row, the rendition and bitrate in force are its own.
-- Inputs: `int_view_events`, `playback_sessions_day` (for the view's ids).
WITH changes AS (
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
),
compared AS (
    SELECT
        *,
        TRY_CAST(regexp_extract(from_rendition, '(\d+)p', 1) AS INTEGER) AS from_height,
        TRY_CAST(regexp_extract(to_rendition, '(\d+)p', 1) AS INTEGER) AS to_height
    FROM changes
)
SELECT
    v.view_id,
    v.video_id,
    c.occurred_at,
    c.position_s,
    c.from_rendition,
    c.to_rendition,
    CAST(c.from_bitrate_kbps AS BIGINT) AS from_bitrate_kbps,
    CAST(c.to_bitrate_kbps AS BIGINT) AS to_bitrate_kbps,
    CASE
        WHEN NOT c.has_previous THEN NULL
        WHEN c.from_bitrate_kbps IS NOT NULL AND c.to_bitrate_kbps IS NOT NULL THEN
            CASE WHEN c.to_bitrate_kbps > c.from_bitrate_kbps THEN 'up'
                 WHEN c.to_bitrate_kbps < c.from_bitrate_kbps THEN 'down' ELSE 'same' END
        WHEN c.from_height IS NOT NULL AND c.to_height IS NOT NULL THEN
            CASE WHEN c.to_height > c.from_height THEN 'up'
                 WHEN c.to_height < c.from_height THEN 'down' ELSE 'same' END
        WHEN c.from_rendition = c.to_rendition THEN 'same'
    END AS direction,
    c.view_key,
    c.event_index
FROM compared AS c
JOIN playback_sessions_day AS v ON v.view_key = c.view_key
