-- course x day D: the aggregates (unique viewers are distinct over the course's views, never a
-- sum over its videos), plus videos_watched (videos with a view), most_viewed_video_id (most
-- views; ties: more watch time, then smallest id) and least_completed_video_id (lowest
-- completion rate among videos with a view; ties: more views, then smallest id), and the
-- learners (insights.md "Courses"): learners_active (distinct learners with a counted view),
-- learners_new (first view of the course on D) and learners_at_risk (status at_risk as of D),
-- the last two from learner_course_progress as of D (`learner_course_progress_day`).
WITH ranked_videos AS (
    SELECT
        course_id, video_id,
        row_number() OVER (
            PARTITION BY course_id ORDER BY views DESC, watch_time_s DESC, video_id
        ) AS views_rank,
        row_number() OVER (
            PARTITION BY course_id ORDER BY completion_rate ASC, views DESC, video_id
        ) AS completion_rank
    FROM day_entity_stats
    WHERE grain = 'video' AND views > 0 AND course_id IS NOT NULL
),
course_videos AS (
    SELECT
        course_id,
        count(*) AS videos_watched,
        any_value(video_id) FILTER (WHERE views_rank = 1) AS most_viewed_video_id,
        any_value(video_id) FILTER (WHERE completion_rank = 1) AS least_completed_video_id
    FROM ranked_videos
    GROUP BY course_id
),
active_learners AS (
    SELECT course_id, count(DISTINCT learner_id) AS learners_active
    FROM session_facts(getvariable('mart_day'), getvariable('mart_day'))
    WHERE is_view AND course_id IS NOT NULL
    GROUP BY course_id
),
learner_states AS (
    SELECT course_id,
           count(*) FILTER (WHERE first_active_date = getvariable('mart_day')) AS learners_new,
           count(*) FILTER (WHERE status = 'at_risk') AS learners_at_risk
    FROM learner_course_progress_day
    GROUP BY course_id
)
SELECT
    s.course_id,
    s.* EXCLUDE (grain, video_id, course_id, creator_id, device_type, browser, os, country, player),
    coalesce(v.videos_watched, 0) AS videos_watched,
    v.most_viewed_video_id,
    v.least_completed_video_id,
    coalesce(a.learners_active, 0) AS learners_active,
    coalesce(l.learners_new, 0) AS learners_new,
    coalesce(l.learners_at_risk, 0) AS learners_at_risk
FROM day_entity_stats AS s
LEFT JOIN course_videos AS v ON v.course_id = s.course_id
LEFT JOIN active_learners AS a ON a.course_id = s.course_id
LEFT JOIN learner_states AS l ON l.course_id = s.course_id
WHERE s.grain = 'course' AND s.course_id IS NOT NULL
ORDER BY s.course_id
