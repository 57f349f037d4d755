-- course x cohort week for the ISO week of day D (insights.md "Courses"), from
-- learner_course_progress as of D: a learner's cohort is the Monday of the week of their first
-- view of the course; week_number = weeks from the cohort's Monday to D's; learners_active =
-- cohort learners last active on or after D's Monday (a counted view that week). One row per
-- cohort started by D's week, so a cohort with nobody left shows 0.
WITH week AS (
    SELECT CAST(date_trunc('week', getvariable('mart_day')) AS DATE) AS week_start
),
members AS (
    SELECT p.course_id, CAST(date_trunc('week', p.first_active_date) AS DATE) AS cohort_week,
           p.last_active_date >= w.week_start AS active, w.week_start
    FROM learner_course_progress_now AS p, week AS w
)
SELECT
    course_id, cohort_week,
    CAST((any_value(week_start) - cohort_week) // 7 AS BIGINT) AS week_number,
    count(*) AS cohort_size,
    count(*) FILTER (WHERE active) AS learners_active,
    100.0 * count(*) FILTER (WHERE active) / count(*) AS retention_pct
FROM members
GROUP BY course_id, cohort_week
ORDER BY course_id, cohort_week
