-- course x ISO week of day D (insights.md "Courses"), from learner_course_progress as of D
-- (`learner_course_progress_now`): enrolled = started the course by the week's end (as of D, for
-- the current partial week) and not completed before the week's Monday; attending = enrolled and
-- last active on or after that Monday (a counted view that week). Written by every day of the
-- week, the last built day's figures stay.
WITH week AS (
    SELECT CAST(date_trunc('week', getvariable('mart_day')) AS DATE) AS week_start
),
enrolled AS (
    SELECT p.course_id, w.week_start, p.last_active_date >= w.week_start AS attending
    FROM learner_course_progress_now AS p, week AS w
    WHERE p.first_active_date <= w.week_start + 6
      AND (p.completed_date IS NULL OR p.completed_date >= w.week_start)
)
SELECT
    course_id, week_start,
    count(*) AS learners_enrolled,
    count(*) FILTER (WHERE attending) AS learners_attending,
    ratio_or_null(count(*) FILTER (WHERE attending), count(*)) AS attendance_rate
FROM enrolled
GROUP BY course_id, week_start
ORDER BY course_id
