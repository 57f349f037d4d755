-- creator x day D: the aggregates (distinct viewers over the creator's views), plus
-- videos_watched (videos with a view) and top_video_id (insights.md): among the videos with at
-- least 10 views that day, the one with the highest engagement score (ties: more views, more
-- watch time, then smallest id); when none has 10 views, the most viewed video (ties: more
-- watch time, then smallest id), as a score over a handful of views says nothing.
WITH ranked_videos AS (
    SELECT
        creator_id, video_id,
        row_number() OVER (
            PARTITION BY creator_id
            ORDER BY views >= 10 DESC,
                     CASE WHEN views >= 10 THEN engagement_score END DESC NULLS LAST,
                     views DESC, watch_time_s DESC, video_id
        ) AS score_rank
    FROM day_entity_stats
    WHERE grain = 'video' AND views > 0 AND creator_id IS NOT NULL
),
creator_videos AS (
    SELECT
        creator_id,
        count(*) AS videos_watched,
        any_value(video_id) FILTER (WHERE score_rank = 1) AS top_video_id
    FROM ranked_videos
    GROUP BY creator_id
)
SELECT
    s.creator_id,
    s.* EXCLUDE (grain, video_id, course_id, creator_id, device_type, browser, os, country, player),
    coalesce(v.videos_watched, 0) AS videos_watched,
    v.top_video_id
FROM day_entity_stats AS s
LEFT JOIN creator_videos AS v ON v.creator_id = s.creator_id
WHERE s.grain = 'creator' AND s.creator_id IS NOT NULL
ORDER BY s.creator_id
