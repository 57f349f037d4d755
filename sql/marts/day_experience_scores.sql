-- The distribution of day D's viewer experience scores (insights.md) over its counting, non-bot
-- views, for the QoE picture: per score, views per 10-point bucket (`bucket_start` 0, 10, ..
-- 90; a score of 100 is in 90) and views without that score (`bucket_start` null).
WITH scores AS (
    SELECT
        unnest(['playback_success_score', 'startup_score', 'smoothness_score', 'experience_score']) AS score,
        unnest([playback_success_score, startup_score, smoothness_score, experience_score]) AS value
    FROM playback_sessions
    WHERE date = getvariable('mart_day')
      AND coalesce(counts_as_view, false) AND NOT coalesce(is_bot, false)
)
SELECT
    score,
    -- least() skips nulls: a view without the score would land in 90
    CASE WHEN value IS NOT NULL THEN CAST(least(floor(value / 10), 9) * 10 AS BIGINT) END AS bucket_start,
    count(*) AS views
FROM scores
GROUP BY ALL
ORDER BY score, bucket_start NULLS LAST
