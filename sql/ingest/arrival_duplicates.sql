-- arrival_duplicates: the positions (file_order, line_number) of the duplicate lines of an arrival.
-- Input: `staged` (stg_event_lines of every line) and `other_ids` (ids EARLIER arrivals staged
-- for the same event days).
-- A line is a duplicate when it is a later delivery of an id within the arrival (the first in
-- file and line order wins) or an id an earlier arrival staged: the earliest arrival wins,
-- whichever was ingested first. Ids are grouped by their
-- 64-bit hash first and exactly only where a hash repeats: grouping 10 M distinct strings was
-- most of the cost. The result stays small next to `staged`.
WITH valid AS (
    SELECT event_id, file_order, line_number, file_order::BIGINT * 4294967296 + line_number AS position,
           hash(event_id) AS id_hash
    FROM staged WHERE reason IS NULL
),
candidates AS (
    SELECT * FROM valid
    WHERE id_hash IN (SELECT id_hash FROM valid GROUP BY id_hash HAVING count(*) > 1)
),
repeated AS (
    SELECT event_id, min(position) AS first_position FROM candidates GROUP BY event_id HAVING count(*) > 1
)
SELECT DISTINCT file_order, line_number FROM (
    SELECT v.file_order, v.line_number FROM candidates v JOIN repeated r USING (event_id) WHERE v.position > r.first_position
    UNION ALL
    SELECT v.file_order, v.line_number FROM valid v JOIN other_ids o USING (event_id)
)
