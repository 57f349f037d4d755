-- Views by device type and by country, per video and platform-wide, over $start..$end, from the
-- same per-view facts and counting rules as the period macros (session_facts: a view is a
-- counted, non-bot session), with the QoE figures metrics.md defines for the platform's devices.
-- entity_stats has no device-only grain, hence this grouping.
SELECT
    CASE WHEN GROUPING(video_id) = 0 THEN 'video' ELSE 'platform' END AS scope,
    CASE WHEN GROUPING(device_type) = 0 THEN 'device' ELSE 'country' END AS dimension,
    video_id,
    CASE WHEN GROUPING(device_type) = 0 THEN coalesce(device_type, 'unknown') ELSE coalesce(country, 'unknown') END AS value,
    count(*) FILTER (WHERE is_view) AS views,
    count(DISTINCT viewer_id) FILTER (WHERE is_view) AS unique_viewers,
    CAST(coalesce(sum(CAST(watch_time_s AS DECIMAL(38, 9))) FILTER (WHERE is_view), 0) AS DOUBLE) AS watch_time_s,
    CAST(quantile_cont(startup_time_ms, 0.5) FILTER (WHERE is_view) AS DOUBLE) AS startup_time_ms_p50,
    CAST(quantile_cont(startup_time_ms, 0.95) FILTER (WHERE is_view) AS DOUBLE) AS startup_time_ms_p95,
    ratio_or_null(count(*) FILTER (WHERE is_view AND exited_before_start), count(*) FILTER (WHERE is_view)) AS ebvs_rate,
    ratio_or_null(count(*) FILTER (WHERE is_view AND playback_failed), count(*) FILTER (WHERE is_view)) AS playback_failure_rate,
    ratio_or_null(sum(rebuffer_s) FILTER (WHERE is_view),
                  sum(rebuffer_s) FILTER (WHERE is_view) + sum(watch_time_s) FILTER (WHERE is_view)) AS rebuffer_ratio
FROM session_facts($start, $end)
GROUP BY GROUPING SETS ((video_id, device_type), (video_id, country), (device_type))
HAVING count(*) FILTER (WHERE is_view) > 0
ORDER BY scope, dimension, video_id, views DESC, value;
