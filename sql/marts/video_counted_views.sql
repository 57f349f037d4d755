-- The views of day D that the seed counters count (insights.md "Viewers and creators"): a view of
-- a video by the same viewer that starts less than 24 hours after the start of that viewer's last
-- counted view of it does not count again. Only D-1's counted views (`prev_counted_views`) can be
-- within 24 hours of a view of D, and within D the first view that counts makes every later one
-- of the day fall within its 24 hours: so at most one view per viewer and video and day, the
-- first one that starts 24 hours or more after the last counted one (or with none before).
SELECT s.view_id, s.viewer_id, s.video_id, s.started_at
FROM playback_sessions AS s
LEFT JOIN (
    SELECT viewer_id, video_id, max(started_at) AS last_counted_at
    FROM prev_counted_views
    GROUP BY viewer_id, video_id
) AS p ON p.viewer_id = s.viewer_id AND p.video_id = s.video_id
WHERE s.date = getvariable('mart_day')
  AND coalesce(s.counts_as_view, false) AND NOT coalesce(s.is_bot, false)
  AND (p.last_counted_at IS NULL OR s.started_at >= p.last_counted_at + INTERVAL 24 HOUR)
QUALIFY row_number() OVER (PARTITION BY s.viewer_id, s.video_id ORDER BY s.started_at, s.view_id) = 1
ORDER BY s.video_id, s.viewer_id
