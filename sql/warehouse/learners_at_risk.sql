-- The risk alert list (insights.md "Learners"): every learner whose status in a course is at_risk
-- as of learner_course_progress's day, the longest inactive first.
CREATE OR REPLACE VIEW learners_at_risk AS
SELECT
    p.learner_id, p.course_id, c.course_title, p.last_active_date, p.days_inactive, p.progress_pct,
    p.lectures_completed, p.lectures_total, p.next_lecture_id, n.title AS next_lecture_title, p.as_of_date
FROM learner_course_progress AS p
LEFT JOIN (SELECT DISTINCT course_id, course_title FROM video_catalog WHERE course_id IS NOT NULL) AS c
    ON c.course_id = p.course_id
LEFT JOIN video_catalog AS n ON n.video_id = p.next_lecture_id
WHERE p.status = 'at_risk'
ORDER BY p.days_inactive DESC, p.course_id, p.learner_id;
