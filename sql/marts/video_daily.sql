-- video x day D: every aggregate of metrics.md plus peak_concurrent_views. A row for every
-- video with a session on D (bot-only and engagement-only ones too, with null rates) and for
-- every video with a view of D-1 still active during D (counts 0, rates null, its peak counted).
SELECT
    coalesce(s.video_id, p.video_id) AS video_id,
    coalesce(s.course_id, c.course_id) AS course_id,
    coalesce(s.creator_id, c.creator_id) AS creator_id,
    s.* EXCLUDE (grain, video_id, course_id, creator_id, device_type, browser, os, country, player)
        REPLACE (
            coalesce(s.views, 0) AS views, coalesce(s.unique_viewers, 0) AS unique_viewers,
            coalesce(s.engaged_views, 0) AS engaged_views, coalesce(s.bot_views, 0) AS bot_views,
            coalesce(s.watch_time_s, 0) AS watch_time_s, coalesce(s.content_watched_s, 0) AS content_watched_s,
            coalesce(s.completions, 0) AS completions, coalesce(s.unique_completers, 0) AS unique_completers,
            coalesce(s.saves, 0) AS saves, coalesce(s.shares, 0) AS shares,
            coalesce(s.clicks, 0) AS clicks, coalesce(s.skips, 0) AS skips,
            coalesce(s.exits_before_start, 0) AS exits_before_start,
            coalesce(s.startup_failures, 0) AS startup_failures,
            coalesce(s.playback_failures, 0) AS playback_failures,
            coalesce(s.rebuffer_count, 0) AS rebuffer_count, coalesce(s.rebuffer_s, 0) AS rebuffer_s
        ),
    coalesce(p.peak_concurrent_views, 0) AS peak_concurrent_views
FROM (SELECT * FROM day_entity_stats WHERE grain = 'video') AS s
FULL JOIN (SELECT * FROM day_peak_concurrency WHERE NOT platform_wide) AS p
    ON p.video_id = s.video_id
LEFT JOIN video_catalog AS c ON c.video_id = coalesce(s.video_id, p.video_id)
ORDER BY video_id
