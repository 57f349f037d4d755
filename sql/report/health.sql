-- Data health per day of $start..$end: what ingestion accepted, dropped and flagged (platform_daily).
SELECT date, events_accepted, duplicates, quarantined, late_events, unknown_video_events
FROM platform_daily
WHERE date BETWEEN $start AND $end
ORDER BY date;
