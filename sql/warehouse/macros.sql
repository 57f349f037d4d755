-- Period statistics, exact over any inclusive date range, computed from the views themselves
-- (`playback_sessions`, one row per view, + `video_catalog`): unique counts are distinct counts
-- over the whole period and every rate is a ratio of the period's sums, never an average or a
-- sum of daily figures. The daily marts call `entity_stats(D, D)`, so a day's mart and a
-- one-day period query agree by construction.
--
-- Counting rules (metrics.md): a view is `counts_as_view AND NOT is_bot`; engagement counts
-- (saves, shares, clicks, skips) come from every non-bot session, engagement-only ones included;
-- `bot_views` counts bot sessions that would otherwise count as views. Rates with no view are
-- null, not a division error. Startup percentiles use quantile_cont (linear interpolation).
--
-- Sums and averages of seconds add DECIMAL(38, 9) values (each rounded to a nanosecond), not
-- doubles: integer addition gives the same total in any order, where DuckDB's threads add
-- doubles in whatever order they finish (the 7th decimal changed between identical runs).
-- Every sum of seconds in sql/marts does the same.

CREATE OR REPLACE MACRO ratio_or_null(numerator, denominator) AS
    CASE WHEN denominator > 0 THEN CAST(numerator AS DOUBLE) / denominator END;

CREATE OR REPLACE MACRO session_facts(start_date, end_date) AS TABLE
SELECT
    s.view_id,
    s.viewer_id,
    s.video_id,
    coalesce(s.course_id, c.course_id) AS course_id,
    coalesce(s.creator_id, c.creator_id) AS creator_id,
    coalesce(c.is_preview, false) AS is_preview,
    s.device_type, s.browser, s.os, s.country, s.player,
    coalesce(s.counts_as_view, false) AND NOT coalesce(s.is_bot, false) AS is_view,
    coalesce(s.counts_as_view, false) AND coalesce(s.is_bot, false) AS is_bot_view,
    NOT coalesce(s.is_bot, false) AS is_human,
    coalesce(s.engaged, false) AS engaged,
    coalesce(s.completed, false) AS completed,
    s.completion_ratio,
    coalesce(s.watch_time_s, 0) AS watch_time_s,
    coalesce(s.content_watched_s, 0) AS content_watched_s,
    s.startup_time_ms,
    coalesce(s.exited_before_start, false) AS exited_before_start,
    coalesce(s.startup_failed, false) AS startup_failed,
    coalesce(s.playback_failed, false) AS playback_failed,
    coalesce(s.rebuffer_count, 0) AS rebuffer_count,
    coalesce(s.rebuffer_s, 0) AS rebuffer_s,
    coalesce(s.saves, 0) AS saves,
    coalesce(s.shares, 0) AS shares,
    coalesce(s.clicks, 0) AS clicks,
    coalesce(s.skips, 0) AS skips,
    s.playback_success_score, s.startup_score, s.smoothness_score, s.experience_score
FROM playback_sessions AS s
LEFT JOIN video_catalog AS c ON c.video_id = s.video_id
WHERE s.date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE);

-- Every aggregate of metrics.md, once, for every grain at the same time (grouping sets):
-- grain 'video' (video_id, course_id, creator_id), 'course', 'creator', 'platform', and
-- 'qoe' (device_type, browser, os, country, player).
CREATE OR REPLACE MACRO entity_stats(start_date, end_date) AS TABLE
WITH sums AS (
    SELECT
        CASE
            WHEN GROUPING(video_id) = 0 THEN 'video'
            WHEN GROUPING(course_id) = 0 THEN 'course'
            WHEN GROUPING(creator_id) = 0 THEN 'creator'
            WHEN GROUPING(device_type) = 0 THEN 'qoe'
            ELSE 'platform'
        END AS grain,
        video_id, course_id, creator_id, device_type, browser, os, country, player,
        count(*) FILTER (WHERE is_view) AS views,
        count(DISTINCT viewer_id) FILTER (WHERE is_view) AS unique_viewers,
        count(*) FILTER (WHERE is_view AND engaged) AS engaged_views,
        count(*) FILTER (WHERE is_bot_view) AS bot_views,
        CAST(coalesce(sum(CAST(watch_time_s AS DECIMAL(38, 9))) FILTER (WHERE is_view), 0) AS DOUBLE) AS watch_time_s,
        CAST(coalesce(sum(CAST(content_watched_s AS DECIMAL(38, 9))) FILTER (WHERE is_view), 0) AS DOUBLE) AS content_watched_s,
        count(*) FILTER (WHERE is_view AND completed) AS completions,
        count(DISTINCT viewer_id) FILTER (WHERE is_view AND completed) AS unique_completers,
        CAST(avg(CAST(completion_ratio AS DECIMAL(38, 9))) FILTER (WHERE is_view) AS DOUBLE) AS avg_completion_ratio,
        CAST(coalesce(sum(saves) FILTER (WHERE is_human), 0) AS BIGINT) AS saves,
        CAST(coalesce(sum(shares) FILTER (WHERE is_human), 0) AS BIGINT) AS shares,
        CAST(coalesce(sum(clicks) FILTER (WHERE is_human), 0) AS BIGINT) AS clicks,
        CAST(coalesce(sum(skips) FILTER (WHERE is_human), 0) AS BIGINT) AS skips,
        CAST(quantile_cont(startup_time_ms, 0.5) FILTER (WHERE is_view) AS DOUBLE) AS startup_time_ms_p50,
        CAST(quantile_cont(startup_time_ms, 0.95) FILTER (WHERE is_view) AS DOUBLE) AS startup_time_ms_p95,
        count(*) FILTER (WHERE is_view AND exited_before_start) AS exits_before_start,
        count(*) FILTER (WHERE is_view AND startup_failed) AS startup_failures,
        count(*) FILTER (WHERE is_view AND playback_failed) AS playback_failures,
        CAST(coalesce(sum(rebuffer_count) FILTER (WHERE is_view), 0) AS BIGINT) AS rebuffer_count,
        CAST(coalesce(sum(CAST(rebuffer_s AS DECIMAL(38, 9))) FILTER (WHERE is_view), 0) AS DOUBLE) AS rebuffer_s,
        -- viewer experience scores (insights.md): means over the views that have one (avg skips nulls)
        CAST(avg(CAST(playback_success_score AS DECIMAL(38, 9))) FILTER (WHERE is_view) AS DOUBLE) AS playback_success_score,
        CAST(avg(CAST(startup_score AS DECIMAL(38, 9))) FILTER (WHERE is_view) AS DOUBLE) AS startup_score,
        CAST(avg(CAST(smoothness_score AS DECIMAL(38, 9))) FILTER (WHERE is_view) AS DOUBLE) AS smoothness_score,
        CAST(avg(CAST(experience_score AS DECIMAL(38, 9))) FILTER (WHERE is_view) AS DOUBLE) AS experience_score
    FROM session_facts(start_date, end_date)
    GROUP BY GROUPING SETS (
        (video_id, course_id, creator_id),
        (course_id),
        (creator_id),
        (device_type, browser, os, country, player),
        ()
    )
)
SELECT
    *,
    ratio_or_null(watch_time_s, views) AS avg_watch_time_s,
    ratio_or_null(completions, views) AS completion_rate,
    ratio_or_null((saves + shares + clicks) * 100, views) AS engagement_rate,
    CASE WHEN views > 0 THEN greatest(0.0, least(100.0,
        (40 * completions + 30 * saves + 20 * shares + 10 * clicks - 20 * skips) / views)) END AS engagement_score,
    ratio_or_null(exits_before_start, views) AS ebvs_rate,
    ratio_or_null(startup_failures, views) AS startup_failure_rate,
    ratio_or_null(playback_failures, views) AS playback_failure_rate,
    ratio_or_null(rebuffer_s, rebuffer_s + watch_time_s) AS rebuffer_ratio,
    ratio_or_null(rebuffer_count, watch_time_s / 60) AS rebuffers_per_minute
FROM sums;

CREATE OR REPLACE MACRO video_stats(start_date, end_date) AS TABLE
SELECT s.* EXCLUDE (grain, device_type, browser, os, country, player), c.title, coalesce(c.is_preview, false) AS is_preview
FROM entity_stats(start_date, end_date) AS s
LEFT JOIN video_catalog AS c ON c.video_id = s.video_id
WHERE s.grain = 'video'
ORDER BY s.video_id;

CREATE OR REPLACE MACRO course_stats(start_date, end_date) AS TABLE
SELECT * EXCLUDE (grain, video_id, creator_id, device_type, browser, os, country, player)
FROM entity_stats(start_date, end_date)
WHERE grain = 'course' AND course_id IS NOT NULL
ORDER BY course_id;

CREATE OR REPLACE MACRO creator_stats(start_date, end_date) AS TABLE
SELECT * EXCLUDE (grain, video_id, course_id, device_type, browser, os, country, player)
FROM entity_stats(start_date, end_date)
WHERE grain = 'creator' AND creator_id IS NOT NULL
ORDER BY creator_id;

CREATE OR REPLACE MACRO platform_stats(start_date, end_date) AS TABLE
SELECT
    CAST(start_date AS DATE) AS start_date,
    CAST(end_date AS DATE) AS end_date,
    * EXCLUDE (grain, video_id, course_id, creator_id, device_type, browser, os, country, player)
FROM entity_stats(start_date, end_date)
WHERE grain = 'platform';

-- The n most viewed non-preview videos of the period, ties broken by watch time, then id.
CREATE OR REPLACE MACRO popular_videos(start_date, end_date, n) AS TABLE
SELECT
    row_number() OVER (ORDER BY views DESC, watch_time_s DESC, video_id) AS rank,
    video_id, title, course_id, creator_id, views, unique_viewers, watch_time_s,
    avg_watch_time_s, completion_rate, engagement_score
FROM video_stats(start_date, end_date)
WHERE NOT is_preview AND views > 0
ORDER BY rank
LIMIT n;
