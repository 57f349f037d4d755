-- One row per rebuffer (metrics.md): a `buffer_start` after the view's first `playing` that is
-- not within 2 s after a seek; it lasts until the next `buffer_end` or `playing` of the view,
-- else until the view's last event. Input: `int_view_events` (one chunk of whole sessions at a time).
WITH buffer_starts AS (
    SELECT view_key, event_index, occurred_at
    FROM int_view_events
    WHERE event_type = 'buffer_start'
      AND after_first_playing
      AND NOT coalesce(occurred_at <= last_seek_at + INTERVAL 2 SECOND, false)
),

stall_ends AS (
    SELECT view_key, event_index, occurred_at
    FROM int_view_events
    WHERE event_type IN ('buffer_end', 'playing')
),

view_ends AS (
    SELECT view_key, max(occurred_at) AS ended_at
    FROM int_view_events
    WHERE view_key IN (SELECT view_key FROM buffer_starts)
    GROUP BY view_key
)

SELECT
    b.view_key,
    b.occurred_at AS started_at,
    coalesce(e.occurred_at, v.ended_at) AS ended_at,
    (epoch_ms(coalesce(e.occurred_at, v.ended_at)) - epoch_ms(b.occurred_at)) / 1000.0 AS rebuffer_s
FROM buffer_starts AS b
ASOF LEFT JOIN stall_ends AS e ON e.view_key = b.view_key AND b.event_index < e.event_index
JOIN view_ends AS v ON v.view_key = b.view_key
