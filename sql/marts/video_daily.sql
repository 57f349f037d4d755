-- video x day D: every aggregate of metrics.md plus peak_concurrent_views. A row for every
-- video with a session on D (bot-only and engagement-only ones too, with null rates) and for
-- every video with a view of D-1 still active during D (counts 0, rates null, its peak counted).
-- Audience retention (insights.md): plays_started = views with a played range; reached_<p> =
-- views one of whose played ranges contains p % of the view's duration_s (start <= point <= end;
-- a seek over the point does not count). Counting, non-bot views of D; one pass over its ranges.
-- Quality switches: the views' quality_changes of known direction (up + down + same), and the
-- share of them that went up and down (null without one).
WITH day_views AS (
    SELECT view_id, video_id, duration_s
    FROM playback_sessions
    WHERE date = getvariable('mart_day')
      AND coalesce(counts_as_view, false) AND NOT coalesce(is_bot, false)
),
view_reach AS (
    SELECT
        any_value(v.video_id) AS video_id,
        bool_or(r.range_start_s <= 0.25 * v.duration_s AND r.range_end_s >= 0.25 * v.duration_s) AS reached_25,
        bool_or(r.range_start_s <= 0.50 * v.duration_s AND r.range_end_s >= 0.50 * v.duration_s) AS reached_50,
        bool_or(r.range_start_s <= 0.75 * v.duration_s AND r.range_end_s >= 0.75 * v.duration_s) AS reached_75,
        bool_or(r.range_start_s <= 0.95 * v.duration_s AND r.range_end_s >= 0.95 * v.duration_s) AS reached_95
    FROM played_ranges AS r
    JOIN day_views AS v ON v.view_id = r.view_id
    WHERE r.date = getvariable('mart_day') AND r.range_end_s > r.range_start_s
    GROUP BY r.view_id
),
reach AS (
    SELECT
        video_id,
        count(*) AS plays_started,
        count(*) FILTER (WHERE reached_25) AS reached_25,
        count(*) FILTER (WHERE reached_50) AS reached_50,
        count(*) FILTER (WHERE reached_75) AS reached_75,
        count(*) FILTER (WHERE reached_95) AS reached_95
    FROM view_reach
    GROUP BY video_id
),
switches AS (
    SELECT
        v.video_id,
        count(*) FILTER (WHERE q.direction IS NOT NULL) AS quality_switches,
        count(*) FILTER (WHERE q.direction = 'up') AS up_switches,
        count(*) FILTER (WHERE q.direction = 'down') AS down_switches
    FROM quality_changes AS q
    JOIN day_views AS v ON v.view_id = q.view_id
    WHERE q.date = getvariable('mart_day')
    GROUP BY v.video_id
)
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
    coalesce(p.peak_concurrent_views, 0) AS peak_concurrent_views,
    coalesce(r.plays_started, 0) AS plays_started,
    coalesce(r.reached_25, 0) AS reached_25,
    coalesce(r.reached_50, 0) AS reached_50,
    coalesce(r.reached_75, 0) AS reached_75,
    coalesce(r.reached_95, 0) AS reached_95,
    coalesce(q.quality_switches, 0) AS quality_switches,
    coalesce(q.up_switches, 0) AS up_switches,
    coalesce(q.down_switches, 0) AS down_switches,
    ratio_or_null(q.up_switches, q.quality_switches) AS up_switch_share,
    ratio_or_null(q.down_switches, q.quality_switches) AS down_switch_share
FROM (SELECT * FROM day_entity_stats WHERE grain = 'video') AS s
FULL JOIN (SELECT * FROM day_peak_concurrency WHERE NOT platform_wide) AS p
    ON p.video_id = s.video_id
LEFT JOIN video_catalog AS c ON c.video_id = coalesce(s.video_id, p.video_id)
LEFT JOIN reach AS r ON r.video_id = coalesce(s.video_id, p.video_id)
LEFT JOIN switches AS q ON q.video_id = coalesce(s.video_id, p.video_id)
ORDER BY video_id
