-- learner x video, as of day D (resume / "continue watching" across devices: a learner is the
-- view's user_id, else its viewer_id, see insights.md "Learners"): the previous snapshot
-- (`prev_viewer_progress`) with the counting, non-bot views of the days after its as_of_date up
-- to D applied (normally just D). The snapshot keeps the union of played ranges
-- (`watched_ranges`, merged intervals: bounded by the video's length, not by history), so
-- content_watched_s is each second of the video at most once across all views and days. Only
-- the pairs with new views merge ranges again; the others keep theirs, so a day's cost follows
-- its views, not the snapshot's size.
-- Applying days one by one or all at once from an empty snapshot gives the same rows.
-- progress_ratio = min(1, content_watched_s / duration_s) (catalog duration, else the largest
-- the views reported); completed = a completed view or progress_ratio >= 0.9;
-- last_position_s = the playhead at the end of the latest view (by last event), viewer_id = the
-- device (viewer) of that latest view.
WITH applied_from AS (
    SELECT coalesce(max(as_of_date), DATE '0001-01-01') AS after_day FROM prev_viewer_progress
),
new_views AS (
    SELECT s.view_id, s.learner_id, s.viewer_id, s.user_id, s.video_id, s.started_at, s.ended_at,
           s.duration_s, s.last_position_s, coalesce(s.watch_time_s, 0) AS watch_time_s,
           coalesce(s.completed, false) AS completed
    FROM playback_sessions AS s, applied_from AS a
    WHERE s.date > a.after_day AND s.date <= getvariable('mart_day')
      AND coalesce(s.counts_as_view, false) AND NOT coalesce(s.is_bot, false)
),
new_pairs AS (
    -- `pair_no` numbers the pairs: the range windows and groups below key on it, not on two strings
    SELECT
        row_number() OVER () AS pair_no,
        learner_id, video_id,
        arg_max(viewer_id, (ended_at, view_id)) AS viewer_id,
        max(user_id) AS user_id,
        count(*) AS views,
        CAST(sum(CAST(watch_time_s AS DECIMAL(38, 9))) AS DOUBLE) AS watch_time_s,  -- exact: see warehouse/macros.sql
        min(started_at) AS first_watched_at,
        max(ended_at) AS last_watched_at,
        arg_max(last_position_s, (ended_at, view_id)) FILTER (WHERE last_position_s IS NOT NULL) AS last_position_s,
        max(duration_s) AS duration_s,
        bool_or(completed) AS any_completed
    FROM new_views
    GROUP BY learner_id, video_id
),
all_ranges AS (
    SELECT n.pair_no, r.range_start_s AS start_s, r.range_end_s AS end_s
    FROM played_ranges AS r
    JOIN new_views AS v ON v.view_id = r.view_id
    JOIN new_pairs AS n ON n.learner_id = v.learner_id AND n.video_id = v.video_id
    WHERE r.range_end_s > r.range_start_s
    UNION ALL
    SELECT pair_no, w.start_s, w.end_s
    FROM (SELECT n.pair_no, unnest(p.watched_ranges) AS w
          FROM prev_viewer_progress AS p JOIN new_pairs AS n USING (learner_id, video_id))
),
island_starts AS (
    SELECT *,
           CASE WHEN start_s <= max(end_s) OVER (
                    PARTITION BY pair_no ORDER BY start_s, end_s
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                THEN 0 ELSE 1 END AS starts_island
    FROM all_ranges
),
islands AS (
    SELECT *,
           sum(starts_island) OVER (
               PARTITION BY pair_no ORDER BY start_s, end_s ROWS UNBOUNDED PRECEDING
           ) AS island
    FROM island_starts
),
merged AS (
    SELECT pair_no, min(start_s) AS start_s, max(end_s) AS end_s
    FROM islands
    GROUP BY pair_no, island
),
watched AS (
    SELECT pair_no,
           list({'start_s': CAST(start_s AS DOUBLE), 'end_s': CAST(end_s AS DOUBLE)} ORDER BY start_s) AS watched_ranges,
           CAST(sum(CAST(end_s - start_s AS DECIMAL(38, 9))) AS DOUBLE) AS content_watched_s
    FROM merged
    GROUP BY pair_no
),
combined AS (
    SELECT
        coalesce(n.learner_id, p.learner_id) AS learner_id,
        coalesce(n.video_id, p.video_id) AS video_id,
        CASE WHEN n.last_watched_at IS NOT NULL
                  AND (p.last_watched_at IS NULL OR n.last_watched_at >= p.last_watched_at)
             THEN n.viewer_id ELSE p.viewer_id END AS viewer_id,
        coalesce(n.user_id, p.user_id) AS user_id,
        CASE WHEN n.last_watched_at IS NOT NULL
                  AND (p.last_watched_at IS NULL OR n.last_watched_at >= p.last_watched_at)
             THEN coalesce(n.last_position_s, p.last_position_s)
             ELSE p.last_position_s END AS last_position_s,
        coalesce(c.duration_s, greatest(n.duration_s, p.duration_s)) AS duration_s,
        coalesce(p.completed, false) OR coalesce(n.any_completed, false) AS any_completed,
        least(n.first_watched_at, p.first_watched_at) AS first_watched_at,
        greatest(n.last_watched_at, p.last_watched_at) AS last_watched_at,
        coalesce(p.views, 0) + coalesce(n.views, 0) AS views,
        coalesce(p.watch_time_s, 0) + coalesce(n.watch_time_s, 0) AS watch_time_s,
        p.watched_ranges AS kept_ranges, p.content_watched_s AS kept_content_s, n.pair_no
    FROM new_pairs AS n
    FULL JOIN prev_viewer_progress AS p ON p.learner_id = n.learner_id AND p.video_id = n.video_id
    LEFT JOIN video_catalog AS c
        ON c.video_id = coalesce(n.video_id, p.video_id) AND c.duration_s > 0
)
SELECT
    learner_id, video_id, viewer_id, user_id, last_position_s, content_watched_s, duration_s,
    CASE WHEN duration_s > 0 THEN least(1.0, content_watched_s / duration_s) END AS progress_ratio,
    any_completed OR coalesce(content_watched_s / duration_s >= 0.9, false) AS completed,
    first_watched_at, last_watched_at, views, watch_time_s, watched_ranges, as_of_date
FROM (
    SELECT
        b.learner_id, b.video_id, b.viewer_id, b.user_id, b.last_position_s,
        coalesce(w.content_watched_s, b.kept_content_s, 0.0) AS content_watched_s,
        b.duration_s, b.any_completed,
        b.first_watched_at, b.last_watched_at, b.views,
        CAST(b.watch_time_s AS DOUBLE) AS watch_time_s,
        coalesce(w.watched_ranges, b.kept_ranges, []) AS watched_ranges,
        getvariable('mart_day') AS as_of_date
    FROM combined AS b
    LEFT JOIN watched AS w ON w.pair_no = b.pair_no
)
ORDER BY learner_id, video_id
