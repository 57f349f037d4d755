-- arrival_audit: per landing file, the lines read and where they went.
-- Inputs: `staged` (every line), `files`, `arrival_duplicates`, `written` (the accepted events
-- as written: source_file, event_date, unknown_video); parameter $arrival. Reading three
-- columns of the output is cheaper than carrying flags on every staged row.
WITH lines AS (
    SELECT file_order, count(*) AS lines_read, count(*) FILTER (WHERE reason IS NOT NULL) AS quarantined
    FROM staged GROUP BY file_order
),
dups AS (SELECT file_order, count(*) AS duplicates FROM arrival_duplicates GROUP BY file_order),
kept AS (
    SELECT source_file, count(*) AS accepted,
           count(*) FILTER (WHERE event_date < $arrival::DATE) AS late_events,
           count(*) FILTER (WHERE unknown_video) AS unknown_video_events
    FROM written GROUP BY source_file
)
SELECT f.source_file, l.lines_read, coalesce(k.accepted, 0), coalesce(d.duplicates, 0), l.quarantined,
       coalesce(k.late_events, 0), coalesce(k.unknown_video_events, 0)
FROM lines l
JOIN files f USING (file_order)
LEFT JOIN dups d USING (file_order)
LEFT JOIN kept k ON k.source_file = f.source_file
