-- One row per counted played range of the views that begin on the day, by `view_key` (it numbers
-- views in session and time order). The view's ids are attached from `playback_sessions` by that
-- key after the sort (lib/sessionize.py): with four id strings in each of millions of rows, the
-- sort took about 3 s, against 0.4 s for these narrow rows.
-- Inputs: `int_played_ranges`, `playback_sessions_day` (this run's `marts/playback_sessions`).
SELECT
    r.view_key,
    r.range_start_s,
    r.range_end_s,
    r.played_s,
    r.rate,
    r.rendition,
    r.bitrate_kbps,
    r.from_at,
    r.to_at
FROM int_played_ranges AS r
SEMI JOIN playback_sessions_day AS v ON v.view_key = r.view_key
