-- Every aggregate of metrics.md for day D (`mart_day`) at every grain, from the period macro
-- of sql/warehouse/macros.sql over the one-day range D..D: the daily marts select from it.
SELECT * FROM entity_stats(getvariable('mart_day'), getvariable('mart_day'))
