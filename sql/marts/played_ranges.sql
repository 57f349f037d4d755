-- One row per counted played range of the views that begin on the day, by `view_key` (it numbers
-- views in session and time order). Run on one chunk of whole sessions at a time (lib/sessionize.py):
-- view keys never overlap between chunks, so the chunks' sorted rows, one after another, are the
-- day's in order. The view's ids are attached from `playback_sessions` by that key after the sort,
-- which also checks that every range's view is one of the day's: with four id strings in each of
-- millions of rows, the sort took about 3 s, against 0.4 s for these narrow rows.
-- Input: `int_played_ranges`.
SELECT
    view_key,
    range_start_s,
    range_end_s,
    played_s,
    rate,
    rendition,
    bitrate_kbps,
    from_at,
    to_at
FROM int_played_ranges
