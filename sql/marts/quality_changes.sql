-- One row per quality_change event of the views that begin on the day (insights.md): the
-- rendition and bitrate it switched to, those of the view's previous quality_change (null for
-- the first), and the direction: by bitrate when both are known, else by the renditions'
-- heights ('720p' < '1080p'), else 'same' for the same rendition name; null when the previous
-- is unknown.
-- Inputs: `int_quality_changes`, `playback_sessions_day` (for the view's ids).
WITH compared AS (
    SELECT
        *,
        TRY_CAST(regexp_extract(from_rendition, '(\d+)p', 1) AS INTEGER) AS from_height,
        TRY_CAST(regexp_extract(to_rendition, '(\d+)p', 1) AS INTEGER) AS to_height
    FROM int_quality_changes
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
