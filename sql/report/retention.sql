-- Audience retention per video and 10-s segment over the report's range ($start..$end), from
-- the daily heatmap: a view belongs to one day, so segment views and seconds add up across days,
-- and retention_pct = segment views / the video's views in the range (video_stats) * 100.
WITH segments AS (
    SELECT
        video_id,
        segment_index,
        CAST(sum(views) AS BIGINT) AS views,
        CAST(sum(drop_offs) AS BIGINT) AS drop_offs,
        CAST(sum(CAST(watch_time_s AS DECIMAL(38, 9))) AS DOUBLE) AS watch_time_s
    FROM video_heatmap_daily
    WHERE date BETWEEN $start AND $end
    GROUP BY video_id, segment_index
)
SELECT
    s.video_id,
    s.segment_index,
    s.segment_index * 10 AS from_s,
    s.views,
    ratio_or_null(s.views * 100, v.views) AS retention_pct,
    s.drop_offs,
    s.watch_time_s
FROM segments AS s
JOIN video_stats($start, $end) AS v USING (video_id)
WHERE v.views > 0
ORDER BY s.video_id, s.segment_index;
