-- One row per counted played range of the views that begin on the day, with the view's ids
-- (`view_key` is kept for ordering: it numbers views in session and time order).
-- Inputs: `int_played_ranges`, `playback_sessions_day` (this run's `marts/playback_sessions`).
SELECT
    r.view_key,
    v.view_id,
    v.session_id,
    v.viewer_id,
    v.video_id,
    r.range_start_s,
    r.range_end_s,
    r.played_s,
    r.rate,
    r.rendition,
    r.bitrate_kbps,
    r.from_at,
    r.to_at
FROM int_played_ranges AS r
JOIN playback_sessions_day AS v ON v.view_key = r.view_key
