-- int_view_summaries: one row per view of one chunk of whole sessions, from its events alone
-- (lib/sessionize.py runs it chunk by chunk, so the day's view events are never held at once).
-- Input: `int_view_events`.
SELECT
    view_key,
    any_value(view_seq) AS view_seq,
    min(occurred_at) AS started_at,
    max(occurred_at) AS ended_at,
    count(*) AS event_count,
    bool_or(is_playback) AS counts_as_view,
    max(duration_s) AS max_event_duration_s,
    min(event_index) FILTER (WHERE event_type IN ('view_start', 'play')) AS first_attempt_index,
    min(occurred_at) FILTER (WHERE event_type IN ('view_start', 'play')) AS first_attempt_at,
    min(event_index) FILTER (WHERE event_type = 'playing') AS first_playing_index,
    min(occurred_at) FILTER (WHERE event_type = 'playing') AS first_playing_at,
    coalesce(bool_or(is_fatal_error AND NOT after_first_playing), false) AS startup_failed,
    coalesce(bool_or(is_fatal_error), false) AS playback_failed,
    -- seeks less than 2 s after the previous seek belong to the same seek (an addition, not
    -- a subtraction: TIMESTAMPTZ minus TIMESTAMPTZ goes through the ICU calendar, about
    -- 1 CPU-s over 10 M events)
    count(*) FILTER (WHERE event_type = 'seek' AND NOT coalesce(
        occurred_at < previous_seek_at + INTERVAL 2 SECOND, false)) AS seek_count,
    count(*) FILTER (WHERE event_type = 'play') AS play_count,
    count(*) FILTER (WHERE event_type = 'pause') AS pause_count,
    count(*) FILTER (WHERE event_type = 'error') AS error_count,
    count(*) FILTER (WHERE event_type = 'quality_change') AS quality_change_count,
    arg_max(position_s, event_index) FILTER (WHERE is_playback) AS last_position_s,
    greatest(max(position_s) FILTER (WHERE is_playback),
             max(from_position_s) FILTER (WHERE is_playback)) AS max_position_s,
    count(*) FILTER (WHERE event_type = 'save') AS saves,
    count(*) FILTER (WHERE event_type = 'share') AS shares,
    count(*) FILTER (WHERE event_type = 'click') AS clicks,
    count(*) FILTER (WHERE event_type = 'skip') AS skips
FROM int_view_events
GROUP BY view_key
