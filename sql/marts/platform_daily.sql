-- The platform on day D: one row, always (zeros and null rates on a day without views).
-- Aggregates over every view of D; videos_with_views; completion buckets by each video's
-- completion rate: high > 0.75, medium 0.50..0.75 (both ends included), low < 0.50;
-- peak_concurrent_views platform-wide (views of D-1 still active count).
--
-- Ingest figures, two different days on purpose:
--   events_accepted = accepted events whose EVENT day is D (`events_day_counts`), so it
--     matches the events behind D's views, late arrivals included once D is rebuilt;
--   duplicates, quarantined, late_events, unknown_video_events = what the files that ARRIVED
--     on D reported (`ingest_audit` of arrival day D): a rejected or duplicate line has no
--     trustworthy event day, and late_events is by nature an arrival-day figure.
-- new_viewers = D's viewers whose first counted view ever is on D (day_first_views),
-- returning_viewers = the other viewers with a counted view on D: together unique_viewers.
WITH video_rows AS (
    SELECT
        count(*) FILTER (WHERE views > 0) AS videos_with_views,
        count(*) FILTER (WHERE views > 0 AND completion_rate > 0.75) AS videos_completion_high,
        count(*) FILTER (WHERE views > 0 AND completion_rate BETWEEN 0.5 AND 0.75) AS videos_completion_medium,
        count(*) FILTER (WHERE views > 0 AND completion_rate < 0.5) AS videos_completion_low
    FROM day_entity_stats
    WHERE grain = 'video'
),
peak AS (
    SELECT CAST(coalesce(max(peak_concurrent_views), 0) AS BIGINT) AS peak_concurrent_views
    FROM day_peak_concurrency
    WHERE platform_wide
),
arrivals AS (
    SELECT
        CAST(coalesce(sum(duplicates), 0) AS BIGINT) AS duplicates,
        CAST(coalesce(sum(quarantined), 0) AS BIGINT) AS quarantined,
        CAST(coalesce(sum(late_events), 0) AS BIGINT) AS late_events,
        CAST(coalesce(sum(unknown_video_events), 0) AS BIGINT) AS unknown_video_events
    FROM ingest_audit
    WHERE arrival_date = getvariable('mart_day')
),
accepted AS (
    SELECT CAST(coalesce(sum(events), 0) AS BIGINT) AS events_accepted
    FROM events_day_counts
    WHERE date = getvariable('mart_day')
),
first_views AS (
    SELECT count(*) AS new_viewers FROM day_first_views
)
SELECT
    s.* EXCLUDE (grain, video_id, course_id, creator_id, device_type, browser, os, country, player),
    v.*, p.*, a.events_accepted, r.*,
    f.new_viewers, s.unique_viewers - f.new_viewers AS returning_viewers
FROM day_entity_stats AS s, video_rows AS v, peak AS p, accepted AS a, arrivals AS r, first_views AS f
WHERE s.grain = 'platform'
