-- video x day D: views_today, views_month_to_date (restarts on the 1st), views_total (all
-- time up to and including D), counted_views_today (D's views the seed counters' 24-hour rule
-- counts, see video_counted_views.sql), derived from the previous day's row (`prev_video_counters`,
-- the rows of D-1) plus D's counting, non-bot views. A video with a D-1 row gets a D row even
-- without views on D (views_today 0), so a video's counters have no gaps once it has been
-- viewed and "as of D" is always one partition. Built day after day: rebuilding day D means
-- rebuilding D+1, D+2, ... after it (each day reads the one before).
WITH today AS (
    SELECT video_id, count(*) AS views_today
    FROM playback_sessions
    WHERE date = getvariable('mart_day')
      AND coalesce(counts_as_view, false) AND NOT coalesce(is_bot, false)
    GROUP BY video_id
),
counted AS (
    SELECT video_id, count(*) AS counted_views_today FROM day_counted_views GROUP BY video_id
),
previous AS (
    SELECT video_id, views_month_to_date, views_total
    FROM prev_video_counters
)
SELECT
    coalesce(t.video_id, p.video_id) AS video_id,
    coalesce(t.views_today, 0) AS views_today,
    coalesce(c.counted_views_today, 0) AS counted_views_today,
    CASE WHEN day(getvariable('mart_day')) = 1 THEN 0 ELSE coalesce(p.views_month_to_date, 0) END
        + coalesce(t.views_today, 0) AS views_month_to_date,
    coalesce(p.views_total, 0) + coalesce(t.views_today, 0) AS views_total
FROM today AS t
FULL JOIN previous AS p ON p.video_id = t.video_id
LEFT JOIN counted AS c ON c.video_id = coalesce(t.video_id, p.video_id)
ORDER BY video_id
