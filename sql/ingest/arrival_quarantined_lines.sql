-- arrival_quarantined_lines: the rejected lines of an arrival in file and line order, with the
-- parsed `ip` (if any) so the quarantine can replace it by its keyed hash.
-- Inputs: `staged`, `files`.
SELECT f.source_file, s.line_number, s.reason, s.raw, s.ip
FROM staged s
JOIN files f USING (file_order)
WHERE s.reason IS NOT NULL
ORDER BY s.file_order, s.line_number
