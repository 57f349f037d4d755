-- day D x device_type x browser x os x country x player (a null is its own group): views,
-- watch time and every quality-of-experience aggregate (all aggregates, in fact), for the
-- groups with at least one counting, non-bot view.
SELECT
    device_type, browser, os, country, player,
    * EXCLUDE (grain, video_id, course_id, creator_id, device_type, browser, os, country, player)
FROM day_entity_stats
WHERE grain = 'qoe' AND views > 0
ORDER BY device_type, browser, os, country, player
