-- The viewers whose first counted view ever is on day D: D's viewers with a counted, non-bot view
-- that no earlier day's partition of this table holds (`earlier_first_views`, every partition
-- before D: one row per viewer ever seen, read, never rewritten).
SELECT s.viewer_id, min(s.started_at) AS first_view_at
FROM playback_sessions AS s
WHERE s.date = getvariable('mart_day')
  AND coalesce(s.counts_as_view, false) AND NOT coalesce(s.is_bot, false)
  AND s.viewer_id NOT IN (
      SELECT viewer_id FROM earlier_first_views WHERE date < getvariable('mart_day') AND viewer_id IS NOT NULL)
GROUP BY s.viewer_id
ORDER BY s.viewer_id
