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
    s.learner_id,
    s.date AS view_date,
    s.video_id,
    coalesce(s.course_id, c.course_id) AS course_id,
    coalesce(s.creator_id, c.creator_id) AS creator_id,
    coalesce(c.is_preview, false) AS is_preview,
    coalesce(c.duration_s, s.duration_s) AS duration_s,
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

-- The n most viewed non-preview videos of each creator in the period (ties: more watch time, then id).
CREATE OR REPLACE MACRO creator_top_videos(start_date, end_date, n) AS TABLE
SELECT * FROM (
    SELECT
        creator_id,
        row_number() OVER (PARTITION BY creator_id ORDER BY views DESC, watch_time_s DESC, video_id) AS rank,
        video_id, title, course_id, views, unique_viewers, watch_time_s, avg_watch_time_s, completion_rate,
        engagement_score
    FROM video_stats(start_date, end_date)
    WHERE NOT is_preview AND views > 0 AND creator_id IS NOT NULL
)
WHERE rank <= n
ORDER BY creator_id, rank;

-- A course's lectures (insights.md "Learners"): its catalog videos that are not previews, in
-- order: the catalog's `position`, then published_at, then video_id. lecture_number = 1, 2, ...
CREATE OR REPLACE MACRO course_lectures() AS TABLE
SELECT
    course_id, video_id AS lecture_id, title, position AS catalog_position,
    row_number() OVER (PARTITION BY course_id ORDER BY position NULLS LAST, published_at NULLS LAST, video_id)
        AS lecture_number
FROM video_catalog
WHERE course_id IS NOT NULL AND NOT coalesce(is_preview, false);

-- Each learner's first counted view of each course, over every view up to end_date.
CREATE OR REPLACE MACRO learner_course_starts(end_date) AS TABLE
SELECT learner_id, course_id, min(view_date) AS first_view_date
FROM session_facts(DATE '0001-01-01', end_date)
WHERE is_view AND course_id IS NOT NULL AND learner_id IS NOT NULL
GROUP BY learner_id, course_id;

-- Per learner and video over the range: counted views, and completed the way viewer_progress
-- completes (a completed view, or the union of the range's played ranges, on any device, covering
-- 90 % of the video), so a lecture finished across devices counts as completed.
-- A table macro's tables must exist when it is created: a database without played_ranges (only
-- views and the catalog) gets an empty one, so the other macros still work there.
CREATE VIEW IF NOT EXISTS played_ranges AS
SELECT NULL::VARCHAR AS view_id, NULL::DOUBLE AS range_start_s, NULL::DOUBLE AS range_end_s, NULL::DATE AS date
WHERE false;

CREATE OR REPLACE MACRO learner_video_completion(start_date, end_date) AS TABLE
WITH views AS (
    SELECT view_id, learner_id, video_id, completed, duration_s
    FROM session_facts(start_date, end_date)
    WHERE is_view AND learner_id IS NOT NULL
),
ranges AS (
    SELECT v.learner_id, v.video_id, r.range_start_s AS start_s, r.range_end_s AS end_s
    FROM played_ranges AS r
    JOIN views AS v ON v.view_id = r.view_id
    WHERE r.date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE) AND r.range_end_s > r.range_start_s
),
islands AS (
    SELECT *, sum(starts_island) OVER (PARTITION BY learner_id, video_id ORDER BY start_s, end_s ROWS UNBOUNDED PRECEDING)
                  AS island
    FROM (
        SELECT *, CASE WHEN start_s <= max(end_s) OVER (PARTITION BY learner_id, video_id ORDER BY start_s, end_s
                                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                       THEN 0 ELSE 1 END AS starts_island
        FROM ranges
    )
),
watched AS (
    SELECT learner_id, video_id, sum(island_end - island_start) AS content_watched_s
    FROM (SELECT learner_id, video_id, min(start_s) AS island_start, max(end_s) AS island_end
          FROM islands GROUP BY learner_id, video_id, island)
    GROUP BY learner_id, video_id
)
SELECT
    v.learner_id, v.video_id, count(*) AS views,
    bool_or(v.completed) OR coalesce(any_value(w.content_watched_s) / max(v.duration_s) >= 0.9, false) AS completed
FROM views AS v
LEFT JOIN watched AS w ON w.learner_id = v.learner_id AND w.video_id = v.video_id
GROUP BY v.learner_id, v.video_id;

-- Per course over the range (insights.md "Courses"): course_stats plus the lecture and learner
-- figures. Lecture views and completions count the views of the lecture's video; its rewatch
-- seconds are each view's watch_time_s - content_watched_s (what video_heatmap_daily.rewatch_s
-- adds up to). engagement_trend compares the views of the range's last 7 days with the 7 before
-- (stable when both are 0); null for a range of fewer than 14 days.
CREATE OR REPLACE MACRO course_report(start_date, end_date) AS TABLE
WITH facts AS (
    SELECT * FROM session_facts(start_date, end_date) WHERE course_id IS NOT NULL
),
lectures AS (
    SELECT * FROM course_lectures()
),
lecture_stats AS (
    SELECT
        l.course_id, l.lecture_id, l.lecture_number,
        count(f.view_id) AS views,
        count(f.view_id) FILTER (WHERE f.completed) AS completions,
        CAST(coalesce(sum(CAST(f.watch_time_s AS DECIMAL(38, 9))), 0) AS DOUBLE) AS watch_time_s,
        CAST(coalesce(sum(CAST(greatest(0, f.watch_time_s - f.content_watched_s) AS DECIMAL(38, 9))), 0) AS DOUBLE)
            AS rewatch_s
    FROM lectures AS l
    LEFT JOIN (SELECT * FROM facts WHERE is_view) AS f ON f.video_id = l.lecture_id
    GROUP BY l.course_id, l.lecture_id, l.lecture_number
),
most_watched AS (
    SELECT course_id, list(lecture_id ORDER BY views DESC, lecture_number) AS most_watched_lectures
    FROM (
        SELECT *, row_number() OVER (PARTITION BY course_id ORDER BY views DESC, lecture_number) AS n
        FROM lecture_stats WHERE views > 0
    )
    WHERE n <= 3
    GROUP BY course_id
),
eligible AS (
    SELECT *, CAST(completions AS DOUBLE) / views AS completion_rate, ratio_or_null(rewatch_s, watch_time_s) AS rewatch_share
    FROM lecture_stats
    WHERE views >= 10
),
medians AS (
    SELECT course_id, quantile_cont(completion_rate, 0.5) AS median_completion,
           quantile_cont(rewatch_share, 0.5) AS median_rewatch
    FROM eligible
    GROUP BY course_id
),
struggle AS (
    SELECT e.course_id, list(e.lecture_id ORDER BY e.lecture_number) AS struggle_lectures
    FROM eligible AS e
    JOIN medians AS m ON m.course_id = e.course_id
    WHERE e.completion_rate <= 0.5 * m.median_completion
       OR (e.rewatch_share >= 1.5 * m.median_rewatch AND e.rewatch_share >= 0.02)
    GROUP BY e.course_id
),
learners AS (
    SELECT course_id, count(DISTINCT learner_id) FILTER (WHERE is_view) AS learners_active,
           count(*) FILTER (WHERE is_view AND view_date > CAST(end_date AS DATE) - 7) AS views_last_7,
           count(*) FILTER (WHERE is_view AND view_date <= CAST(end_date AS DATE) - 7
                                          AND view_date > CAST(end_date AS DATE) - 14) AS views_previous_7
    FROM facts
    GROUP BY course_id
),
new_learners AS (
    SELECT course_id, count(*) AS learners_new
    FROM learner_course_starts(end_date)
    WHERE first_view_date >= CAST(start_date AS DATE)
    GROUP BY course_id
),
totals AS (
    SELECT course_id, count(*) AS lectures_total FROM lectures GROUP BY course_id
)
SELECT
    s.*,
    coalesce(t.lectures_total, 0) AS lectures_total,
    coalesce(a.learners_active, 0) AS learners_active,
    coalesce(n.learners_new, 0) AS learners_new,
    coalesce(w.most_watched_lectures, []) AS most_watched_lectures,
    coalesce(g.struggle_lectures, []) AS struggle_lectures,
    CASE
        WHEN CAST(end_date AS DATE) - CAST(start_date AS DATE) + 1 < 14 THEN NULL
        WHEN coalesce(a.views_last_7, 0) = 0 AND coalesce(a.views_previous_7, 0) = 0 THEN 'stable'
        WHEN coalesce(a.views_last_7, 0) >= 1.1 * coalesce(a.views_previous_7, 0) THEN 'rising'
        WHEN coalesce(a.views_last_7, 0) <= 0.9 * coalesce(a.views_previous_7, 0) THEN 'falling'
        ELSE 'stable'
    END AS engagement_trend
FROM course_stats(start_date, end_date) AS s
LEFT JOIN totals AS t ON t.course_id = s.course_id
LEFT JOIN learners AS a ON a.course_id = s.course_id
LEFT JOIN new_learners AS n ON n.course_id = s.course_id
LEFT JOIN most_watched AS w ON w.course_id = s.course_id
LEFT JOIN struggle AS g ON g.course_id = s.course_id
ORDER BY s.course_id;

-- Per course and lecture in order (insights.md "Courses"): among the learners whose first view of
-- the course is inside the range, those with a counted view of the lecture in the range
-- (learners_started) and who completed it in the range (learners_completed, across devices: see
-- learner_video_completion); share_of_starters =
-- learners_completed / the course's starters (0..1). position = the lecture's place in the
-- course order (1, 2, ...).
CREATE OR REPLACE MACRO course_funnel(start_date, end_date) AS TABLE
WITH starters AS (
    SELECT learner_id, course_id
    FROM learner_course_starts(end_date)
    WHERE first_view_date >= CAST(start_date AS DATE)
),
sizes AS (
    SELECT course_id, count(*) AS starters FROM starters GROUP BY course_id
),
lecture_views AS (
    SELECT st.course_id, f.video_id, f.learner_id, f.completed
    FROM learner_video_completion(start_date, end_date) AS f
    JOIN starters AS st ON st.learner_id = f.learner_id
)
SELECT
    l.course_id, l.lecture_id, l.lecture_number AS position,
    count(v.learner_id) AS learners_started,
    count(v.learner_id) FILTER (WHERE v.completed) AS learners_completed,
    CAST(count(v.learner_id) FILTER (WHERE v.completed) AS DOUBLE) / any_value(z.starters) AS share_of_starters
FROM course_lectures() AS l
JOIN sizes AS z ON z.course_id = l.course_id
LEFT JOIN lecture_views AS v ON v.course_id = l.course_id AND v.video_id = l.lecture_id
GROUP BY l.course_id, l.lecture_id, l.lecture_number
ORDER BY l.course_id, position;
