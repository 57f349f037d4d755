-- The events of every view that begins on $day (UTC), in view order, with the view they belong
-- to and the player state in force after each (metrics.md, "Views" and "Playback within a
-- view"). Inputs: `int_session_events` (stored in view order), parameters $day, $gap_minutes.
-- `event_index` is the event's position in `int_session_events` (its rowid + 1): the viewer,
-- video and client columns stay there and are read by that position.
--
-- The windows have no ORDER BY on purpose: over a table stored in order they run as one
-- streaming pass. They run over all sessions at once, so a running value counts for the
-- current view only when the event that set it lies at or after the view's first event.
WITH numbered AS (
    SELECT
        *,
        row_number() OVER () AS event_index,
        session_id IS DISTINCT FROM lag(session_id) OVER () AS starts_session,
        lag(occurred_at) OVER () AS previous_at,
        CASE
            WHEN event_type IN ('playing', 'heartbeat', 'buffer_end') THEN 1
            WHEN event_type IN ('pause', 'ended', 'view_end', 'buffer_start') OR is_fatal_error THEN 0
        END AS sets_playing
    FROM (
        SELECT session_id, occurred_at, event_type, is_playback, is_fatal_error, position_s,
               from_position_s, duration_s, playback_rate, bitrate_kbps, rendition
        FROM int_session_events
    )
),

running AS (
    SELECT
        *,
        sum(starts_view::INTEGER) OVER upto_here AS view_key,
        max(event_index) FILTER (WHERE starts_view) OVER upto_here AS view_first_index,
        arg_max(occurred_at, event_index) FILTER (WHERE starts_view) OVER upto_here AS view_started_at,
        -- event_index * 2 + flag of the last event that set the playing flag; a view starts false
        max(CASE
            WHEN sets_playing IS NOT NULL THEN event_index * 2 + sets_playing
            WHEN starts_view THEN event_index * 2
        END) OVER upto_here AS flag_code,
        max(event_index) FILTER (WHERE playback_rate IS NOT NULL) OVER upto_here AS rate_index,
        arg_max(playback_rate, event_index) FILTER (WHERE playback_rate IS NOT NULL) OVER upto_here
            AS rate,
        max(event_index) FILTER (WHERE event_type = 'quality_change') OVER upto_here AS quality_index,
        arg_max_null(rendition, event_index) FILTER (WHERE event_type = 'quality_change') OVER upto_here
            AS quality_rendition,
        arg_max_null(bitrate_kbps, event_index) FILTER (WHERE event_type = 'quality_change')
            OVER upto_here AS quality_bitrate_kbps,
        max(event_index) FILTER (WHERE event_type = 'playing') OVER upto_here AS playing_index,
        max(event_index) FILTER (WHERE event_type = 'seek') OVER upto_here AS seek_index,
        arg_max(occurred_at, event_index) FILTER (WHERE event_type = 'seek') OVER upto_here AS seek_at
    FROM (
        SELECT
            *,
            starts_session
                OR epoch_ms(occurred_at) - epoch_ms(previous_at) > $gap_minutes::BIGINT * 60000 AS starts_view
        FROM numbered
    )
    WINDOW upto_here AS (ROWS UNBOUNDED PRECEDING)
),

sequenced AS (
    SELECT
        *,
        view_key + 1 - max(view_key) FILTER (WHERE starts_session) OVER (ROWS UNBOUNDED PRECEDING)
            AS view_seq,
        -- the running values of the row before: the state strictly before this event
        lag(seek_index) OVER () AS previous_seek_index,
        lag(seek_at) OVER () AS previous_seek_at
    FROM running
)

SELECT
    view_key,
    session_id,
    view_seq,
    event_index,
    event_type,
    occurred_at,
    view_started_at,
    position_s, from_position_s, duration_s,
    is_playback,
    is_fatal_error,
    flag_code % 2 = 1 AS playing_after,
    -- its own playback_rate, else the last one seen in the view, else 1
    CASE WHEN rate_index >= view_first_index THEN rate ELSE 1.0 END AS rate_in_force,
    CASE WHEN quality_index >= view_first_index THEN quality_rendition END AS rendition_in_force,
    CASE WHEN quality_index >= view_first_index THEN quality_bitrate_kbps END AS bitrate_in_force,
    coalesce(playing_index >= view_first_index, false) AS after_first_playing,
    CASE WHEN seek_index >= view_first_index THEN seek_at END AS last_seek_at,
    CASE WHEN previous_seek_index >= view_first_index THEN previous_seek_at END AS previous_seek_at
FROM sequenced
-- views that begin on $day, UTC
WHERE view_started_at >= timezone('UTC', $day::TIMESTAMP)
  AND view_started_at < timezone('UTC', ($day + 1)::TIMESTAMP)
