-- Audience retention macros (insights.md) over the daily marts `video_daily`,
-- `video_heatmap_daily` and the period macros of macros.sql (run first). DuckDB binds a macro's
-- tables when it is created, so these live apart: the warehouse creates them once the mart
-- tables exist, the daily marts only when they have a day's rows to mark (key moments).

-- Audience retention over any inclusive date range (insights.md), from the daily rows: segment
-- views, seconds and drop-offs add up across days because a view belongs to one day; the
-- video's views are video_daily's. drop_off_rate = drop_offs / segment views (null without).
CREATE OR REPLACE MACRO video_retention(start_date, end_date) AS TABLE
WITH video_views AS (
    SELECT video_id, sum(views) AS video_views
    FROM video_daily
    WHERE date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
    GROUP BY video_id
),
segments AS (
    SELECT
        video_id, segment_index,
        sum(views) AS views,
        CAST(sum(CAST(watch_time_s AS DECIMAL(38, 9))) AS DOUBLE) AS watch_time_s,
        CAST(sum(CAST(rewatch_s AS DECIMAL(38, 9))) AS DOUBLE) AS rewatch_s,
        sum(replay_views) AS replay_views,
        sum(drop_offs) AS drop_offs
    FROM video_heatmap_daily
    WHERE date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
    GROUP BY video_id, segment_index
)
SELECT
    s.video_id,
    s.segment_index,
    s.segment_index * 10.0 AS segment_start_s,
    (s.segment_index + 1) * 10.0 AS segment_end_s,
    CAST(coalesce(v.video_views, 0) AS BIGINT) AS video_views,
    CAST(s.views AS BIGINT) AS views,
    ratio_or_null(s.views * 100, v.video_views) AS retention_pct,
    s.watch_time_s,
    s.rewatch_s,
    CAST(s.replay_views AS BIGINT) AS replay_views,
    CAST(s.drop_offs AS BIGINT) AS drop_offs,
    ratio_or_null(s.drop_offs, s.views) AS drop_off_rate
FROM segments AS s
LEFT JOIN video_views AS v ON v.video_id = s.video_id
ORDER BY s.video_id, s.segment_index;

-- Key moments of the videos with at least 20 views in the range (insights.md), one row each:
-- `intro` (videos of 60 s or more: retention_pct of segment 3, seconds 30-40), `spike` (up to 3
-- segments with the most rewatch_s among those with rewatch_s >= 2 x the video's mean per
-- segment and replay_views >= 3; value rewatch_s), `dip` (up to 3 segments with the highest
-- drop_off_rate among those wholly before the last 10 % of the video with drop_offs >= 3 and
-- drop_off_rate >= 2 x the median rate of those segments; value drop_off_rate). The video's
-- length is the catalog's, else the end of its last segment. Ties: lower segment first.
CREATE OR REPLACE MACRO key_moments(start_date, end_date) AS TABLE
WITH segments AS (
    SELECT * FROM video_retention(start_date, end_date)
),
videos AS (
    SELECT
        s.video_id,
        coalesce(any_value(c.duration_s) FILTER (WHERE c.duration_s > 0), max(s.segment_end_s)) AS duration_s,
        avg(s.rewatch_s) AS mean_rewatch_s
    FROM segments AS s
    LEFT JOIN video_catalog AS c ON c.video_id = s.video_id
    GROUP BY s.video_id
    HAVING any_value(s.video_views) >= 20
),
body AS (  -- segments wholly outside the video's last 10 %
    SELECT s.*, median(s.drop_off_rate) OVER (PARTITION BY s.video_id) AS median_drop_off_rate
    FROM segments AS s
    JOIN videos AS v ON v.video_id = s.video_id
    WHERE s.segment_end_s <= 0.9 * v.duration_s
),
spikes AS (
    SELECT s.video_id, 'spike' AS kind, s.segment_index, s.rewatch_s AS value,
           row_number() OVER (PARTITION BY s.video_id ORDER BY s.rewatch_s DESC, s.segment_index) AS n
    FROM segments AS s
    JOIN videos AS v ON v.video_id = s.video_id
    WHERE s.rewatch_s >= 2 * v.mean_rewatch_s AND s.replay_views >= 3
),
dips AS (
    SELECT video_id, 'dip' AS kind, segment_index, drop_off_rate AS value,
           row_number() OVER (PARTITION BY video_id ORDER BY drop_off_rate DESC, segment_index) AS n
    FROM body
    WHERE drop_offs >= 3 AND drop_off_rate >= 2 * median_drop_off_rate
),
moments AS (
    SELECT s.video_id, 'intro' AS kind, s.segment_index, s.retention_pct AS value
    FROM segments AS s
    JOIN videos AS v ON v.video_id = s.video_id
    WHERE v.duration_s >= 60 AND s.segment_index = 3
    UNION ALL
    SELECT video_id, kind, segment_index, value FROM spikes WHERE n <= 3
    UNION ALL
    SELECT video_id, kind, segment_index, value FROM dips WHERE n <= 3
)
SELECT video_id, kind, CAST(segment_index AS BIGINT) AS segment_index, CAST(value AS DOUBLE) AS value
FROM moments
ORDER BY video_id, kind, value DESC, segment_index;

-- Each video's mean completion against the typical one of videos of its length (insights.md):
-- videos with at least 10 views in the range, bucketed by duration_s (the catalog's, else the
-- largest its views reported); bucket_median_completion is the median avg_completion_ratio of
-- the bucket's videos; relative_retention their ratio, null when the bucket has fewer than 3
-- videos (or a median of 0); label above_typical (>= 1.1), below_typical (<= 0.9), typical.
CREATE OR REPLACE MACRO relative_retention(start_date, end_date) AS TABLE
WITH viewed AS (
    SELECT video_id, views, avg_completion_ratio
    FROM video_stats(start_date, end_date)
    WHERE views >= 10
),
reported AS (
    SELECT video_id, max(duration_s) AS duration_s
    FROM playback_sessions
    WHERE date BETWEEN CAST(start_date AS DATE) AND CAST(end_date AS DATE)
      AND video_id IN (SELECT video_id FROM viewed)
    GROUP BY video_id
),
bucketed AS (
    SELECT
        v.*,
        coalesce(c.duration_s, r.duration_s) AS duration_s,
        CASE
            WHEN coalesce(c.duration_s, r.duration_s) IS NULL THEN NULL
            WHEN coalesce(c.duration_s, r.duration_s) < 60 THEN '<1m'
            WHEN coalesce(c.duration_s, r.duration_s) < 180 THEN '1-3m'
            WHEN coalesce(c.duration_s, r.duration_s) < 600 THEN '3-10m'
            WHEN coalesce(c.duration_s, r.duration_s) < 1200 THEN '10-20m'
            WHEN coalesce(c.duration_s, r.duration_s) < 3600 THEN '20-60m'
            ELSE '60m+'
        END AS length_bucket
    FROM viewed AS v
    LEFT JOIN video_catalog AS c ON c.video_id = v.video_id
    LEFT JOIN reported AS r ON r.video_id = v.video_id
),
compared AS (
    SELECT
        *,
        count(*) OVER (PARTITION BY length_bucket) AS bucket_videos,
        median(avg_completion_ratio) OVER (PARTITION BY length_bucket) AS bucket_median_completion
    FROM bucketed
),
rated AS (
    SELECT
        *,
        CASE WHEN length_bucket IS NOT NULL AND bucket_videos >= 3 AND bucket_median_completion > 0
            THEN avg_completion_ratio / bucket_median_completion END AS relative_retention
    FROM compared
)
SELECT
    video_id, CAST(views AS BIGINT) AS views, CAST(duration_s AS DOUBLE) AS duration_s, avg_completion_ratio,
    length_bucket, CAST(bucket_videos AS BIGINT) AS bucket_videos, bucket_median_completion, relative_retention,
    CASE  -- compared at 1e-9, so a ratio of exactly 1.1 or 0.9 is not lost to float noise
        WHEN round(relative_retention, 9) >= 1.1 THEN 'above_typical'
        WHEN round(relative_retention, 9) <= 0.9 THEN 'below_typical'
        WHEN relative_retention IS NOT NULL THEN 'typical'
    END AS label
FROM rated
ORDER BY video_id;
