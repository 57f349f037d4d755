-- Visits (metrics.md, Visits) that start on day D: a viewer's non-bot sessions (engagement-only
-- ones too: any event keeps a visit alive) ordered by first event; a new visit starts when a
-- session's first event comes more than 30 minutes after the latest event of the viewer's
-- earlier sessions. A visit belongs to the day of its first event. Reads sessions of D-1 (a
-- visit that began before midnight is D-1's) and D+1 (a visit of D that runs past midnight).
-- views / videos_viewed / completions / watch time count counting views only; engagement
-- counts come from every session of the visit. visit_id = the visit's first view_id.
WITH viewer_views AS (
    SELECT view_id, viewer_id, user_id, video_id, started_at, ended_at, date,
           coalesce(counts_as_view, false) AS counts_as_view,
           coalesce(completed, false) AS completed,
           coalesce(watch_time_s, 0) AS watch_time_s,
           coalesce(saves, 0) AS saves, coalesce(shares, 0) AS shares,
           coalesce(clicks, 0) AS clicks, coalesce(skips, 0) AS skips
    FROM playback_sessions
    WHERE date BETWEEN getvariable('mart_day') - 1 AND getvariable('mart_day') + 1
      AND NOT coalesce(is_bot, false)
),
gaps AS (
    SELECT *,
           max(ended_at) OVER (
               PARTITION BY viewer_id ORDER BY started_at, view_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS previous_last_event_at
    FROM viewer_views
),
numbered AS (
    SELECT *,
           sum(CASE WHEN previous_last_event_at IS NULL
                         OR started_at > previous_last_event_at + INTERVAL 30 MINUTE
                    THEN 1 ELSE 0 END) OVER (
               PARTITION BY viewer_id ORDER BY started_at, view_id ROWS UNBOUNDED PRECEDING
           ) AS visit_number
    FROM gaps
),
visits AS (
    SELECT
        arg_min(view_id, (started_at, view_id)) AS visit_id,
        viewer_id,
        max(user_id) AS user_id,
        arg_min(date, started_at) AS first_day,
        min(started_at) AS started_at,
        max(ended_at) AS ended_at,
        count(DISTINCT video_id) FILTER (WHERE counts_as_view) AS videos_viewed,
        count(*) FILTER (WHERE counts_as_view) AS views,
        count(*) FILTER (WHERE counts_as_view AND completed) AS completions,
        CAST(sum(saves) AS BIGINT) AS saves,
        CAST(sum(shares) AS BIGINT) AS shares,
        CAST(sum(clicks) AS BIGINT) AS clicks,
        CAST(sum(skips) AS BIGINT) AS skips,
        CAST(sum(CAST(watch_time_s AS DECIMAL(38, 9))) FILTER (WHERE counts_as_view) AS DOUBLE) AS watch_time_s  -- exact: see warehouse/macros.sql
    FROM numbered
    GROUP BY viewer_id, visit_number
)
SELECT
    visit_id, viewer_id, user_id, started_at, ended_at,
    CAST(epoch(ended_at) - epoch(started_at) AS DOUBLE) AS duration_s,
    videos_viewed, views, completions, saves, shares, clicks, skips,
    coalesce(watch_time_s, 0.0) AS watch_time_s,
    ratio_or_null(coalesce(watch_time_s, 0.0), views) AS avg_watch_time_s,
    ratio_or_null((saves + shares + clicks) * 100, views) AS engagement_rate
FROM visits
WHERE first_day = getvariable('mart_day')
ORDER BY viewer_id, started_at
