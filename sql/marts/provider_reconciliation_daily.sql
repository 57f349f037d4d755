-- provider_reconciliation_daily: one day of each provider's figures against ours, per video.
-- Relations: provider_video_daily and playback_sessions (that day), video_catalog (snapshot).
-- Parameter: $threshold, the relative difference above which a row is flagged (a difference equal
-- to it, up to float rounding of 1e-9, is not above).
--
-- ours   = views that count (counts_as_view) and are not bot views, and their watch_time_s.
-- theirs = what the provider reported (null for a figure it does not report: Cloudflare views).
-- Only the day of a provider whose answers cover it is compared: provider_video_daily keeps only
-- the figures of this day, and a provider covers it when it has figures for it (Bunny lists every
-- day of an answer's period, empty ones as 0; a Cloudflare answer of the day without any group
-- cannot be told from no answer, so such a day is not compared).
-- A video we saw, hosted by a provider that covers the day but whose answers lack this video, is
-- provider_missing: theirs and the differences null, never flagged (not a 100 % difference).
-- rel_diff = (theirs - ours) / ours, null when ours is 0 (no base); a row with ours 0 and
-- theirs > 0 is flagged all the same (an infinite difference is above any threshold).
-- Noise: a row with fewer than 10 views on both sides (ours, and theirs or no view count of
-- theirs: Cloudflare) is kept but never flagged.
WITH ours AS (
    SELECT video_id,
           count(*)::BIGINT AS views,
           coalesce(sum(CAST(watch_time_s AS DECIMAL(38, 9))), 0)::DOUBLE AS watch_time_s  -- exact: see warehouse/macros.sql
    FROM playback_sessions
    WHERE counts_as_view AND NOT coalesce(is_bot, false) AND video_id IS NOT NULL
    GROUP BY video_id
),
theirs AS (
    SELECT provider,
           video_id,
           string_agg(DISTINCT provider_video_id, ',' ORDER BY provider_video_id) AS provider_video_id,
           sum(views)::BIGINT AS views,  -- stays null when the provider reports no views
           sum(TRY_CAST(watch_time_s AS DECIMAL(38, 9)))::DOUBLE AS watch_time_s  -- a provider's NaN counts as unknown
    FROM provider_video_daily
    WHERE video_id IS NOT NULL
    GROUP BY provider, video_id
),
covering AS (
    SELECT DISTINCT provider
    FROM provider_video_daily
),
hosted AS (
    SELECT DISTINCT video_id, lower(provider) AS provider, provider_video_id
    FROM video_catalog
    WHERE provider IS NOT NULL AND provider_video_id IS NOT NULL
),
missing AS (
    SELECT c.provider,
           o.video_id,
           h.provider_video_id,
           NULL::BIGINT AS views,
           NULL::DOUBLE AS watch_time_s
    FROM ours o
    JOIN hosted h ON h.video_id = o.video_id
    JOIN covering c ON c.provider = h.provider
    WHERE NOT EXISTS (SELECT 1 FROM theirs t WHERE t.provider = c.provider AND t.video_id = o.video_id)
),
pairs AS (
    SELECT provider, video_id, provider_video_id, views, watch_time_s, false AS provider_missing FROM theirs
    UNION ALL
    SELECT provider, video_id, provider_video_id, views, watch_time_s, true FROM missing
),
compared AS (
    SELECT p.provider,
           p.video_id,
           p.provider_video_id,
           coalesce(o.views, 0)::BIGINT AS views_ours,
           p.views AS views_theirs,
           coalesce(o.watch_time_s, 0)::DOUBLE AS watch_time_s_ours,
           p.watch_time_s AS watch_time_s_theirs,
           p.provider_missing
    FROM pairs p
    LEFT JOIN ours o ON o.video_id = p.video_id
)
SELECT provider,
       video_id,
       provider_video_id,
       views_ours,
       views_theirs,
       views_theirs - views_ours AS views_diff,
       CASE WHEN views_ours > 0 THEN (views_theirs - views_ours)::DOUBLE / views_ours END AS views_rel_diff,
       watch_time_s_ours,
       watch_time_s_theirs,
       watch_time_s_theirs - watch_time_s_ours AS watch_time_s_diff,
       CASE WHEN watch_time_s_ours > 0
            THEN (watch_time_s_theirs - watch_time_s_ours) / watch_time_s_ours END AS watch_time_rel_diff,
       provider_missing,
       NOT provider_missing
       AND NOT (views_ours < 10 AND coalesce(views_theirs, 0) < 10)
       AND coalesce(
           abs(CASE WHEN views_ours > 0 THEN (views_theirs - views_ours)::DOUBLE / views_ours END) > $threshold + 1e-9
           OR abs(CASE WHEN watch_time_s_ours > 0
                       THEN (watch_time_s_theirs - watch_time_s_ours) / watch_time_s_ours END) > $threshold + 1e-9
           OR (views_ours = 0 AND views_theirs > 0)
           OR (watch_time_s_ours = 0 AND watch_time_s_theirs > 0),
           false
       ) AS flagged,
       $threshold::DOUBLE AS threshold
FROM compared
ORDER BY provider, video_id
