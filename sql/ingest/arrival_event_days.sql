-- arrival_event_days: the event days an arrival brought events of, with their counts.
-- Input: `written` (the accepted events as written); parameter $arrival.
SELECT $arrival::DATE AS arrival_date, event_date, count(*) AS events, event_date < $arrival::DATE AS late
FROM written
GROUP BY event_date
ORDER BY event_date
