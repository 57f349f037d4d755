-- video x day D x rendition: played seconds (sum of played range lengths, rewatches again)
-- attributed to the rendition in force when they were played; a range played before any
-- quality_change has rendition 'unknown'. share_of_watch_time is a fraction (0..1) of the
-- video's played seconds that day. Counting, non-bot views of D only.
WITH day_views AS (
    SELECT view_id
    FROM playback_sessions
    WHERE date = getvariable('mart_day')
      AND coalesce(counts_as_view, false) AND NOT coalesce(is_bot, false)
),
per_rendition AS (
    SELECT
        r.video_id,
        coalesce(r.rendition, 'unknown') AS rendition,
        count(DISTINCT r.view_id) AS views,
        -- exact sums: see warehouse/macros.sql
        CAST(sum(CAST(coalesce(r.played_s, r.range_end_s - r.range_start_s) AS DECIMAL(38, 9))) AS DOUBLE) AS watch_time_s
    FROM played_ranges AS r
    JOIN day_views AS v ON v.view_id = r.view_id
    WHERE r.date = getvariable('mart_day')
    GROUP BY ALL
)
SELECT
    video_id, rendition, views, watch_time_s,
    ratio_or_null(watch_time_s, CAST(sum(CAST(watch_time_s AS DECIMAL(38, 9))) OVER (PARTITION BY video_id) AS DOUBLE)) AS share_of_watch_time
FROM per_rendition
ORDER BY video_id, rendition
