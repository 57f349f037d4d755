-- learner x course, as of day D (insights.md "Learners"): the previous state
-- (`prev_learner_course_progress`, as of D-1) carried forward with D's counted, non-bot views of
-- the course's videos (previews included: any view of the course is activity), and the lecture
-- counts recounted from `viewer_progress_now` (viewer_progress as of D; a lecture is completed
-- per viewer_progress, so across devices). Statuses, first that applies: completed (every
-- lecture completed), dropped (last activity > 30 days before D), at_risk (8..30 days, or
-- progress_pct has not grown for the last 14 days: progress_grew_on <= D - 14), active.
-- progress_grew_on = the last day progress_pct grew; the first active day when it never did.
-- completed_date = the day the last lecture got completed (null while not every one is).
WITH lectures AS (
    SELECT * FROM course_lectures()
),
totals AS (
    SELECT course_id, count(*) AS lectures_total FROM lectures GROUP BY course_id
),
today AS (
    SELECT s.learner_id, coalesce(s.course_id, c.course_id) AS course_id,
           CAST(sum(CAST(coalesce(s.watch_time_s, 0) AS DECIMAL(38, 9))) AS DOUBLE) AS watch_time_s  -- exact: see warehouse/macros.sql
    FROM playback_sessions AS s
    LEFT JOIN video_catalog AS c ON c.video_id = s.video_id
    WHERE s.date = getvariable('mart_day')
      AND coalesce(s.counts_as_view, false) AND NOT coalesce(s.is_bot, false)
      AND coalesce(s.course_id, c.course_id) IS NOT NULL AND s.learner_id IS NOT NULL
    GROUP BY ALL
),
carried AS (
    SELECT
        coalesce(t.learner_id, p.learner_id) AS learner_id,
        coalesce(t.course_id, p.course_id) AS course_id,
        p.learner_id IS NULL AS is_new,
        coalesce(p.first_active_date, getvariable('mart_day')) AS first_active_date,
        CASE WHEN t.learner_id IS NOT NULL THEN getvariable('mart_day') ELSE p.last_active_date END AS last_active_date,
        coalesce(p.active_days, 0) + CASE WHEN t.learner_id IS NOT NULL THEN 1 ELSE 0 END AS active_days,
        CAST(coalesce(p.watch_time_s, 0) + coalesce(t.watch_time_s, 0) AS DOUBLE) AS watch_time_s,
        p.progress_pct AS prev_progress_pct,
        p.progress_grew_on AS prev_grew_on,
        p.completed_date AS prev_completed_date
    FROM today AS t
    FULL JOIN prev_learner_course_progress AS p ON p.learner_id = t.learner_id AND p.course_id = t.course_id
),
lecture_progress AS (
    SELECT k.learner_id, k.course_id, l.lecture_id, l.lecture_number,
           v.video_id IS NOT NULL AS started, coalesce(v.completed, false) AS completed
    FROM carried AS k
    JOIN lectures AS l ON l.course_id = k.course_id
    LEFT JOIN viewer_progress_now AS v ON v.learner_id = k.learner_id AND v.video_id = l.lecture_id
),
lecture_counts AS (
    SELECT learner_id, course_id,
           count(*) FILTER (WHERE started) AS lectures_started,
           count(*) FILTER (WHERE completed) AS lectures_completed,
           arg_min(lecture_id, lecture_number) FILTER (WHERE NOT completed) AS next_lecture_id
    FROM lecture_progress
    GROUP BY learner_id, course_id
),
measured AS (
    SELECT k.*,
           coalesce(n.lectures_total, 0) AS lectures_total,
           coalesce(c.lectures_started, 0) AS lectures_started,
           coalesce(c.lectures_completed, 0) AS lectures_completed,
           c.next_lecture_id,
           CASE WHEN n.lectures_total > 0 THEN 100.0 * coalesce(c.lectures_completed, 0) / n.lectures_total END
               AS progress_pct,
           n.lectures_total > 0 AND c.lectures_completed = n.lectures_total AS all_completed
    FROM carried AS k
    LEFT JOIN totals AS n ON n.course_id = k.course_id
    LEFT JOIN lecture_counts AS c ON c.learner_id = k.learner_id AND c.course_id = k.course_id
),
dated AS (
    SELECT *,
           CASE WHEN is_new THEN first_active_date
                -- the stored state's floats are rounded (marts_schemas.conform): compare rounded
                WHEN round(coalesce(progress_pct, 0), 6) > round(coalesce(prev_progress_pct, 0), 6)
                    THEN getvariable('mart_day')
                ELSE prev_grew_on END AS progress_grew_on,
           CASE WHEN coalesce(all_completed, false) THEN coalesce(prev_completed_date, getvariable('mart_day')) END
               AS completed_date
    FROM measured
)
SELECT
    learner_id, course_id, lectures_total, lectures_started, lectures_completed, progress_pct,
    first_active_date, last_active_date, active_days, watch_time_s, next_lecture_id,
    CASE WHEN coalesce(all_completed, false) THEN 'completed'
         WHEN getvariable('mart_day') - last_active_date > 30 THEN 'dropped'
         WHEN getvariable('mart_day') - last_active_date >= 8 THEN 'at_risk'
         WHEN getvariable('mart_day') - progress_grew_on >= 14 THEN 'at_risk'
         ELSE 'active' END AS status,
    completed_date, progress_grew_on,
    getvariable('mart_day') - last_active_date AS days_inactive,
    getvariable('mart_day') AS as_of_date
FROM dated
ORDER BY course_id, learner_id
