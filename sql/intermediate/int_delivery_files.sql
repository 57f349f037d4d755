-- One row per landing file the events came from, numbered in (arrival day, file name) order:
-- the delivery order of their lines, as an integer the session sort can key on.
-- Inputs: `events`.
SELECT arrival_date, source_file, row_number() OVER (ORDER BY arrival_date, source_file) AS file_no
FROM (SELECT DISTINCT arrival_date, source_file FROM events)
