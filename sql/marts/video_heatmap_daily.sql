-- video x day D x 10 s segment (metrics.md, Heatmap), for every video with a view on D.
-- Segments 0 .. ceil(duration_s / 10) - 1 are all present, zeros included; duration_s is the
-- catalog's, else the largest its views reported, else the furthest playhead seen.
-- views / unique_viewers: views with a played range overlapping the segment (positive length);
-- watch_time_s: played seconds inside the segment; drop_offs: views not completed whose
-- last_position_s falls in the segment (a position at or past the end goes to the last one);
-- retention_pct = views / views of the video that day * 100; rewatch_s: played seconds inside
-- the segment beyond each view's first play of each second, summed over views; replay_views:
-- views with rewatch_s > 0 there (insights.md).
WITH day_views AS (
    -- integers for the view, viewer and video: the window and the per-view and per-viewer groups
    -- below key on them (strings there were most of this model's time)
    SELECT view_id, viewer_id, video_id, duration_s, max_position_s, last_position_s,
           coalesce(completed, false) AS completed,
           row_number() OVER () AS view_no,
           dense_rank() OVER (ORDER BY viewer_id) AS viewer_no,
           dense_rank() OVER (ORDER BY video_id) AS video_no
    FROM playback_sessions
    WHERE date = getvariable('mart_day')
      AND coalesce(counts_as_view, false) AND NOT coalesce(is_bot, false)
),
videos AS (
    SELECT
        v.video_id,
        any_value(v.video_no) AS video_no,
        count(*) AS video_views,
        coalesce(any_value(c.duration_s) FILTER (WHERE c.duration_s > 0),
                 max(v.duration_s) FILTER (WHERE v.duration_s > 0),
                 max(v.max_position_s)) AS duration_s
    FROM day_views AS v
    LEFT JOIN video_catalog AS c ON c.video_id = v.video_id
    GROUP BY v.video_id
),
segments AS (
    SELECT video_id, video_no, video_views,
           CAST(ceil(duration_s / 10) AS BIGINT) AS segment_count,
           unnest(range(0, CAST(ceil(duration_s / 10) AS BIGINT))) AS segment_index
    FROM videos
    WHERE duration_s > 0
),
range_content AS (
    -- each range's new content: the part beyond the furthest end of the view's ranges that start
    -- before it (a sweep in start order, so it is one interval); summed per segment it is the
    -- view's content watched there. One window over the ranges, none over their segments.
    SELECT v.view_no, v.viewer_no, v.video_no, r.range_start_s, r.range_end_s,
           greatest(r.range_start_s, coalesce(max(r.range_end_s) OVER (
               PARTITION BY v.view_no ORDER BY r.range_start_s, r.range_end_s
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), r.range_start_s)) AS content_start_s
    FROM played_ranges AS r
    JOIN day_views AS v ON v.view_id = r.view_id
    WHERE r.date = getvariable('mart_day') AND r.range_end_s > r.range_start_s
),
range_segments AS (
    SELECT *, unnest(range(CAST(floor(range_start_s / 10) AS BIGINT),
                           CAST(ceil(range_end_s / 10) AS BIGINT))) AS segment_index
    FROM range_content
),
piece_content AS (
    SELECT view_no, viewer_no, video_no, segment_index,
           CAST(least(range_end_s, (segment_index + 1) * 10.0) - greatest(range_start_s, segment_index * 10.0)
                AS DECIMAL(38, 9)) AS played_in_segment_s,
           CAST(greatest(0.0, least(range_end_s, (segment_index + 1) * 10.0)
                              - greatest(content_start_s, segment_index * 10.0)) AS DECIMAL(38, 9)) AS new_content_s
    FROM range_segments
    WHERE least(range_end_s, (segment_index + 1) * 10.0) > greatest(range_start_s, segment_index * 10.0)
),
view_segments AS (
    -- exact sums (DECIMAL): see warehouse/macros.sql; rewatch_s (insights.md) = the view's
    -- watch time inside the segment minus its content watched inside it
    SELECT view_no, segment_index, any_value(video_no) AS video_no, any_value(viewer_no) AS viewer_no,
           sum(played_in_segment_s) AS played_s,
           sum(played_in_segment_s) - sum(new_content_s) AS rewatch_s
    FROM piece_content
    GROUP BY view_no, segment_index
),
played AS (
    SELECT video_no, segment_index,
           count(*) AS views,
           count(DISTINCT viewer_no) AS unique_viewers,
           CAST(sum(played_s) AS DOUBLE) AS watch_time_s,
           CAST(sum(rewatch_s) AS DOUBLE) AS rewatch_s,
           count(*) FILTER (WHERE rewatch_s > 0) AS replay_views
    FROM view_segments
    GROUP BY video_no, segment_index
),
drops AS (
    SELECT v.video_id,
           least(CAST(floor(v.last_position_s / 10) AS BIGINT), s.segment_count - 1) AS segment_index,
           count(*) AS drop_offs
    FROM day_views AS v
    JOIN (SELECT DISTINCT video_id, segment_count FROM segments) AS s ON s.video_id = v.video_id
    WHERE NOT v.completed AND v.last_position_s IS NOT NULL
    GROUP BY ALL
)
SELECT
    s.video_id,
    s.segment_index,
    s.segment_index * 10.0 AS segment_start_s,
    (s.segment_index + 1) * 10.0 AS segment_end_s,
    coalesce(p.views, 0) AS views,
    coalesce(p.unique_viewers, 0) AS unique_viewers,
    coalesce(p.watch_time_s, 0.0) AS watch_time_s,
    coalesce(d.drop_offs, 0) AS drop_offs,
    ratio_or_null(coalesce(p.views, 0) * 100, s.video_views) AS retention_pct,
    coalesce(p.rewatch_s, 0.0) AS rewatch_s,
    coalesce(p.replay_views, 0) AS replay_views
FROM segments AS s
LEFT JOIN played AS p ON p.video_no = s.video_no AND p.segment_index = s.segment_index
LEFT JOIN drops AS d ON d.video_id = s.video_id AND d.segment_index = s.segment_index
ORDER BY s.video_id, s.segment_index
