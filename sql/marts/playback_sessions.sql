-- One row per view that begins on the day (metrics.md, "Views" and "Playback within a view").
-- Inputs: `int_view_summaries`, `int_view_clients` (+ `int_session_events` by position,
-- `int_delivery_files` and `events` for the ids and client fields), `int_view_watching`,
-- `int_rebuffers`, `video_catalog`.
WITH client_rows AS (
    -- the few events that hold a view's ids (its first event) or one of its client fields,
    -- found in `events` by their delivery
    SELECT i.event_index, e.session_id, e.viewer_id, e.user_id, e.video_id, e.device_type, e.browser, e.os,
           e.country, e.player
    FROM (
        SELECT event_index, file_no, line_number
        FROM int_session_events
        WHERE event_index IN (  -- DISTINCT: hashing each index once is several times faster
            SELECT DISTINCT event_index
            FROM (
                SELECT unnest([view_key, user_id_index, device_type_index, browser_index, os_index, country_index,
                               player_index]) AS event_index
                FROM int_view_clients
            )
        )
    ) AS i
    JOIN int_delivery_files USING (file_no)
    JOIN events AS e USING (arrival_date, source_file, line_number)
),

clients AS (
    -- ids of the view's first event; each client field of the first event that has it
    SELECT
        c.view_key, f.session_id, f.viewer_id, f.video_id, c.is_bot,
        u.user_id, d.device_type, b.browser, o.os, n.country, p.player
    FROM int_view_clients AS c
    JOIN client_rows AS f ON f.event_index = c.view_key
    LEFT JOIN client_rows AS u ON u.event_index = c.user_id_index
    LEFT JOIN client_rows AS d ON d.event_index = c.device_type_index
    LEFT JOIN client_rows AS b ON b.event_index = c.browser_index
    LEFT JOIN client_rows AS o ON o.event_index = c.os_index
    LEFT JOIN client_rows AS n ON n.event_index = c.country_index
    LEFT JOIN client_rows AS p ON p.event_index = c.player_index
),

views AS (
    SELECT e.*, c.* EXCLUDE (view_key)
    FROM int_view_summaries AS e
    JOIN clients AS c USING (view_key)
),

rebuffering AS (
    SELECT view_key, count(*) AS rebuffer_count, CAST(sum(CAST(rebuffer_s AS DECIMAL(38, 9))) AS DOUBLE) AS rebuffer_s  -- exact: see warehouse/macros.sql
    FROM int_rebuffers
    GROUP BY view_key
),

measured AS (
    SELECT
        v.*,
        c.video_id IS NULL AS unknown_video,
        c.course_id,
        c.creator_id,
        coalesce(c.duration_s, v.max_event_duration_s)::DOUBLE AS duration_s,
        coalesce(w.watch_time_s, 0.0) AS watch_time_s,
        coalesce(w.content_watched_s, 0.0) AS content_watched_s,
        coalesce(r.rebuffer_count, 0) AS rebuffer_count,
        coalesce(r.rebuffer_s, 0.0) AS rebuffer_s
    FROM views AS v
    LEFT JOIN video_catalog AS c ON c.video_id = v.video_id
    LEFT JOIN int_view_watching AS w ON w.view_key = v.view_key
    LEFT JOIN rebuffering AS r ON r.view_key = v.view_key
),

timed AS (
    SELECT
        *,
        (epoch_ms(ended_at) - epoch_ms(started_at)) / 1000.0 AS wall_time_s,
        CASE WHEN first_attempt_index < first_playing_index
            THEN (epoch_ms(first_playing_at) - epoch_ms(first_attempt_at))::DOUBLE
        END AS startup_time_ms,
        first_attempt_index IS NOT NULL AND first_playing_index IS NULL AND NOT playback_failed
            AS exited_before_start
    FROM measured
),

scored AS (
    -- Viewer experience scores, 0-100 (insights.md)
    SELECT
        *,
        CASE
            WHEN NOT counts_as_view THEN NULL  -- no playback event at all
            WHEN playback_failed THEN 0.0
            WHEN exited_before_start THEN CASE WHEN wall_time_s >= 1 THEN 50.0 END
            ELSE 100.0
        END AS playback_success_score,
        100.0 * 8 / (8 + startup_time_ms / 1000) AS startup_score,
        CASE WHEN first_playing_index IS NOT NULL THEN (
            100.0 / sqrt(1 + pow(rebuffer_count / 2.0, 2))
            + 100.0 * exp(-10 * coalesce(rebuffer_s / nullif(rebuffer_s + watch_time_s, 0), 0))
        ) / 2 END AS smoothness_score
    FROM timed
)

SELECT
    view_key,
    CASE WHEN view_seq = 1 THEN session_id ELSE session_id || ':' || view_seq END AS view_id,
    session_id,
    view_seq::BIGINT AS view_seq,
    viewer_id,
    user_id,
    coalesce(user_id, viewer_id) AS learner_id,  -- insights.md "Learners": one learner across devices
    video_id,
    course_id,
    creator_id,
    started_at,
    ended_at,
    wall_time_s,
    event_count::BIGINT AS event_count,
    counts_as_view,
    is_bot,
    duration_s,
    watch_time_s,
    content_watched_s,
    CASE WHEN duration_s > 0 THEN least(1.0, content_watched_s / duration_s) END AS completion_ratio,
    coalesce(duration_s > 0 AND least(1.0, content_watched_s / duration_s) >= 0.9, false) AS completed,
    startup_time_ms,
    exited_before_start,
    startup_failed,
    playback_failed,
    rebuffer_count::BIGINT AS rebuffer_count,
    rebuffer_s,
    seek_count::BIGINT AS seek_count,
    play_count::BIGINT AS play_count,
    pause_count::BIGINT AS pause_count,
    error_count::BIGINT AS error_count,
    quality_change_count::BIGINT AS quality_change_count,
    last_position_s,
    max_position_s,
    saves::BIGINT AS saves,
    shares::BIGINT AS shares,
    clicks::BIGINT AS clicks,
    skips::BIGINT AS skips,
    watch_time_s >= least(30.0, coalesce(0.5 * duration_s, 30.0)) AS engaged,
    device_type,
    browser,
    os,
    country,
    player,
    unknown_video,
    playback_success_score,
    startup_score,
    smoothness_score,
    -- mean of the scores that are not null; null when neither is
    CASE
        WHEN playback_success_score < 100 THEN playback_success_score
        WHEN playback_success_score = 100 THEN
            (coalesce(startup_score, 0) + coalesce(smoothness_score, 0))
            / nullif((startup_score IS NOT NULL)::INT + (smoothness_score IS NOT NULL)::INT, 0)
    END AS experience_score
FROM scored
