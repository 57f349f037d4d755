-- One row per counted played range (metrics.md, "Playback within a view"): consecutive
-- playback events e1, e2 of a view with the playing flag true after e1. Engagement events are
-- not playback events, so they never form a pair. Input: `int_view_events` (stored in view
-- order; the windows without ORDER BY read that order), one row per pair on e2's row.
-- Keyed by `view_key`; the view's ids are joined on output (`marts/played_ranges`).
WITH pairs AS (
    SELECT
        view_key,
        lag(view_key) OVER () AS e1_view_key,
        lag(playing_after) OVER () AS e1_playing_after,
        lag(position_s) OVER () AS range_start_s,
        -- a seek ends the range where the playhead was before it
        CASE WHEN event_type = 'seek' THEN from_position_s ELSE position_s END AS range_end_s,
        lag(rate_in_force) OVER () AS rate,
        lag(rendition_in_force) OVER () AS rendition,
        lag(bitrate_in_force) OVER () AS bitrate_kbps,
        lag(occurred_at) OVER () AS from_at,
        occurred_at AS to_at
    FROM int_view_events
    WHERE is_playback
)

SELECT
    view_key,
    range_start_s,
    range_end_s,
    range_end_s - range_start_s AS played_s,
    rate,
    rendition,
    bitrate_kbps,
    from_at,
    to_at
FROM pairs
WHERE e1_view_key = view_key
  AND e1_playing_after
  AND range_end_s > range_start_s
  -- anything longer is a jump the player did not report; 1e-9 absorbs float noise
  AND range_end_s - range_start_s <= (epoch_ms(to_at) - epoch_ms(from_at)) / 1000.0 * rate + 2 + 1e-9
