-- stg_event_lines: every non-blank landing line, parsed and checked against player-events.md.
-- Input: `line_batch` (source_file, file_order, line_number, raw, bad_utf8, oversized);
-- parameter $arrival_end = the end (exclusive) of the arrival day, UTC.
-- Output: the typed contract fields plus `reason` (NULL for an acceptable event; otherwise the
-- first rule the line breaks, as "<rule>: <detail>").
WITH lines AS (
    -- values keep their line ending (see lib/ingest/lines.py): JSON ignores it and the quarantine
    -- strips it, which is far cheaper than trimming every line here. Blank lines are not counted.
    SELECT *, json_valid(raw) AS is_json
    FROM line_batch
    -- only a line whose first byte is at most a space can be blank (a byte comparison: left()
    -- counts characters, which showed in profiles)
    WHERE CASE WHEN raw < '!' THEN trim(raw, E' \t\r\n') <> '' ELSE true END
),
rooted AS (
    -- valid JSON that opens with a brace is an object: no parse needed to say so
    SELECT *, CASE WHEN is_json THEN CASE WHEN starts_with(raw, '{') THEN 'OBJECT' ELSE json_type(raw) END END
        AS root_type
    FROM lines
),
extracted AS (
    -- one parse for the JSON type of every field, one for its typed value
    SELECT *,
        CASE WHEN root_type = 'OBJECT' THEN json_type(raw, [
            '$.event_id', '$.event_type', '$.occurred_at', '$.received_at', '$.session_id',
            '$.viewer_id', '$.user_id', '$.video_id', '$.position_s', '$.from_position_s',
            '$.duration_s', '$.playback_rate', '$.bitrate_kbps', '$.rendition', '$.error_code',
            '$.error_message', '$.error_fatal', '$.user_agent', '$.ip', '$.country', '$.referrer',
            '$.player', '$.properties'
        ]) END AS t0,
        -- the values, converted leniently (a number read as text, say): t0 tells the real JSON types
        CASE WHEN root_type = 'OBJECT' THEN from_json(raw, '{"event_id": "VARCHAR", "event_type": "VARCHAR", "occurred_at": "VARCHAR", "received_at": "VARCHAR", "session_id": "VARCHAR", "viewer_id": "VARCHAR", "user_id": "VARCHAR", "video_id": "VARCHAR", "position_s": "DOUBLE", "from_position_s": "DOUBLE", "duration_s": "DOUBLE", "playback_rate": "DOUBLE", "bitrate_kbps": "DOUBLE", "rendition": "VARCHAR", "error_code": "VARCHAR", "error_message": "VARCHAR", "error_fatal": "BOOLEAN", "user_agent": "VARCHAR", "ip": "VARCHAR", "country": "VARCHAR", "referrer": "VARCHAR", "player": "VARCHAR", "properties": "JSON"}') END AS f0
    FROM rooted
),
kinds AS (
    -- the lists unpacked once; t_i = 'NULL' is a JSON null, which counts as absent
    SELECT source_file, file_order, line_number, raw, bad_utf8, oversized, is_json, root_type,
        t0[1] AS t_1, f0.event_id AS f_1,
        t0[2] AS t_2, f0.event_type AS f_2,
        t0[3] AS t_3, f0.occurred_at AS f_3,
        t0[4] AS t_4, f0.received_at AS f_4,
        t0[5] AS t_5, f0.session_id AS f_5,
        t0[6] AS t_6, f0.viewer_id AS f_6,
        t0[7] AS t_7, f0.user_id AS f_7,
        t0[8] AS t_8, f0.video_id AS f_8,
        t0[9] AS t_9, f0.position_s AS f_9,
        t0[10] AS t_10, f0.from_position_s AS f_10,
        t0[11] AS t_11, f0.duration_s AS f_11,
        t0[12] AS t_12, f0.playback_rate AS f_12,
        t0[13] AS t_13, f0.bitrate_kbps AS f_13,
        t0[14] AS t_14, f0.rendition AS f_14,
        t0[15] AS t_15, f0.error_code AS f_15,
        t0[16] AS t_16, f0.error_message AS f_16,
        t0[17] AS t_17, f0.error_fatal AS f_17,
        t0[18] AS t_18, f0.user_agent AS f_18,
        t0[19] AS t_19, f0.ip AS f_19,
        t0[20] AS t_20, f0.country AS f_20,
        t0[21] AS t_21, f0.referrer AS f_21,
        t0[22] AS t_22, f0.player AS f_22,
        t0[23] AS t_23, f0.properties AS f_23
    FROM extracted
),
typed AS (
    SELECT
        source_file, file_order, line_number, raw, bad_utf8, oversized, is_json, root_type,
        t_1, t_2, t_3, t_4, t_5, t_6, t_7, t_8, t_9, t_10, t_11, t_12, t_13, t_14, t_15, t_16, t_17, t_18, t_19, t_20, t_21, t_22, t_23,
        CASE WHEN t_1 = 'VARCHAR' THEN f_1 END AS event_id,
        CASE WHEN t_2 = 'VARCHAR' THEN f_2 END AS event_type,
        CASE WHEN t_3 = 'VARCHAR' THEN f_3 END AS occurred_at_text,
        CASE WHEN t_4 = 'VARCHAR' THEN f_4 END AS received_at_text,
        CASE WHEN t_5 = 'VARCHAR' THEN f_5 END AS session_id,
        CASE WHEN t_6 = 'VARCHAR' THEN f_6 END AS viewer_id,
        CASE WHEN t_7 = 'VARCHAR' THEN f_7 END AS user_id,
        CASE WHEN t_8 = 'VARCHAR' THEN f_8 END AS video_id,
        CASE WHEN t_9 IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN f_9 END AS position_s,
        CASE WHEN t_10 IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN f_10 END AS from_position_s,
        CASE WHEN t_11 IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN f_11 END AS duration_s,
        CASE WHEN t_12 IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN f_12 END AS playback_rate,
        CASE WHEN t_13 IN ('UBIGINT', 'BIGINT', 'DOUBLE') THEN f_13 END AS bitrate_value,
        CASE WHEN t_14 = 'VARCHAR' THEN f_14 END AS rendition,
        CASE WHEN t_15 = 'VARCHAR' THEN f_15 END AS error_code,
        CASE WHEN t_16 = 'VARCHAR' THEN f_16 END AS error_message,
        CASE WHEN t_17 = 'BOOLEAN' THEN f_17 END AS error_fatal,
        CASE WHEN t_18 = 'VARCHAR' THEN f_18 END AS user_agent,
        CASE WHEN t_19 = 'VARCHAR' THEN f_19 END AS ip,
        CASE WHEN t_20 = 'VARCHAR' THEN f_20 END AS country,
        CASE WHEN t_21 = 'VARCHAR' THEN f_21 END AS referrer,
        CASE WHEN t_22 = 'VARCHAR' THEN f_22 END AS player,
        CASE WHEN t_23 = 'OBJECT' THEN f_23 END AS properties
    FROM kinds
),
timed AS (
    -- RFC 3339: a T (or space) between date and time, a Z or +hh:mm offset; DuckDB alone would
    -- also take an hour of 24 and offsets such as +99:99 (the digits themselves are its check)
    SELECT *,
        CASE WHEN substr(occurred_at_text, 11, 1) IN ('T', 't', ' ') AND substr(occurred_at_text, 12, 2) < '24'
                  AND (right(occurred_at_text, 1) IN ('Z', 'z') OR (substr(occurred_at_text, -6, 1) IN ('+', '-')
                                                                   AND substr(occurred_at_text, -3, 1) = ':'
                                                                   AND substr(occurred_at_text, -5, 2) < '24'
                                                                   AND substr(occurred_at_text, -2, 2) < '60'))
             THEN try_cast(occurred_at_text AS TIMESTAMPTZ) END AS occurred_at,
        CASE WHEN substr(received_at_text, 11, 1) IN ('T', 't', ' ') AND substr(received_at_text, 12, 2) < '24'
                  AND (right(received_at_text, 1) IN ('Z', 'z') OR (substr(received_at_text, -6, 1) IN ('+', '-')
                                                                   AND substr(received_at_text, -3, 1) = ':'
                                                                   AND substr(received_at_text, -5, 2) < '24'
                                                                   AND substr(received_at_text, -2, 2) < '60'))
             THEN try_cast(received_at_text AS TIMESTAMPTZ) END AS received_at,
        -- spelled out: DuckDB turns an IN list this long into a join, and every expression after it
        -- then runs on sliced vectors (a quarter more CPU for the whole query)
        (event_type = 'view_start' OR event_type = 'play' OR event_type = 'playing' OR
         event_type = 'pause' OR event_type = 'seek' OR event_type = 'heartbeat' OR
         event_type = 'buffer_start' OR event_type = 'buffer_end' OR
         event_type = 'quality_change' OR event_type = 'rate_change' OR
         event_type = 'error' OR event_type = 'ended' OR event_type = 'view_end') AS is_playback,
        event_type IN ('save', 'share', 'click', 'skip') AS is_engagement
    FROM typed
),
checked AS (
    SELECT *,
        CASE
            WHEN oversized THEN 'oversized_line: longer than 64 KiB'
            WHEN bad_utf8 THEN 'invalid_utf8: the line is not valid UTF-8'
            WHEN NOT is_json THEN 'invalid_json: the line is not JSON'
            WHEN root_type <> 'OBJECT' THEN 'not_an_object: the line is JSON ' || lower(root_type) || ', not an object'
            -- required fields
            WHEN coalesce(t_1, 'NULL') = 'NULL' THEN 'missing_field: event_id'
            WHEN coalesce(t_2, 'NULL') = 'NULL' THEN 'missing_field: event_type'
            WHEN coalesce(t_3, 'NULL') = 'NULL' THEN 'missing_field: occurred_at'
            WHEN coalesce(t_5, 'NULL') = 'NULL' THEN 'missing_field: session_id'
            WHEN coalesce(t_6, 'NULL') = 'NULL' THEN 'missing_field: viewer_id'
            WHEN coalesce(t_8, 'NULL') = 'NULL' THEN 'missing_field: video_id'
            -- types of every present field
            WHEN t_1 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: event_id must be a string'
            WHEN t_2 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: event_type must be a string'
            WHEN t_3 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: occurred_at must be a string'
            WHEN t_4 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: received_at must be a string'
            WHEN t_5 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: session_id must be a string'
            WHEN t_6 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: viewer_id must be a string'
            WHEN t_7 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: user_id must be a string'
            WHEN t_8 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: video_id must be a string'
            WHEN t_9 NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'NULL') THEN 'wrong_type: position_s must be a number'
            WHEN t_10 NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'NULL') THEN 'wrong_type: from_position_s must be a number'
            WHEN t_11 NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'NULL') THEN 'wrong_type: duration_s must be a number'
            WHEN t_12 NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'NULL') THEN 'wrong_type: playback_rate must be a number'
            -- NaN, infinities and values past BIGINT are not integers it can hold (NaN compares
            -- greater than every number here)
            WHEN t_13 NOT IN ('UBIGINT', 'BIGINT', 'DOUBLE', 'NULL') OR bitrate_value <> floor(bitrate_value)
                 OR NOT abs(bitrate_value) < 9.2e18
                THEN 'wrong_type: bitrate_kbps must be an integer'
            WHEN t_14 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: rendition must be a string'
            WHEN t_15 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: error_code must be a string'
            WHEN t_16 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: error_message must be a string'
            WHEN t_17 NOT IN ('BOOLEAN', 'NULL') THEN 'wrong_type: error_fatal must be a boolean'
            WHEN t_18 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: user_agent must be a string'
            WHEN t_19 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: ip must be a string'
            WHEN t_20 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: country must be a string'
            WHEN t_21 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: referrer must be a string'
            WHEN t_22 NOT IN ('VARCHAR', 'NULL') THEN 'wrong_type: player must be a string'
            WHEN t_23 NOT IN ('OBJECT', 'NULL') THEN 'wrong_type: properties must be an object'
            -- values
            WHEN length(event_id) NOT BETWEEN 1 AND 128 THEN 'invalid_value: event_id must be 1..128 characters'
            WHEN length(session_id) NOT BETWEEN 1 AND 128 THEN 'invalid_value: session_id must be 1..128 characters'
            WHEN length(viewer_id) NOT BETWEEN 1 AND 128 THEN 'invalid_value: viewer_id must be 1..128 characters'
            WHEN length(video_id) NOT BETWEEN 1 AND 128 THEN 'invalid_value: video_id must be 1..128 characters'
            WHEN NOT (is_playback OR is_engagement) THEN 'unknown_event_type: ' || left(event_type, 64)
            WHEN occurred_at IS NULL THEN 'bad_timestamp: occurred_at is not an RFC 3339 timestamp'
            WHEN t_4 = 'VARCHAR' AND received_at IS NULL THEN 'bad_timestamp: received_at is not an RFC 3339 timestamp'
            WHEN is_playback AND position_s IS NULL THEN 'missing_field: position_s'
            WHEN event_type = 'seek' AND from_position_s IS NULL THEN 'missing_field: from_position_s'
            WHEN event_type = 'quality_change' AND bitrate_value IS NULL THEN 'missing_field: bitrate_kbps'
            WHEN event_type = 'quality_change' AND rendition IS NULL THEN 'missing_field: rendition'
            WHEN event_type = 'error' AND error_code IS NULL THEN 'missing_field: error_code'
            WHEN isnan(position_s) OR position_s < 0 OR position_s > 86400
                THEN 'invalid_position: position_s ' || position_s::VARCHAR || ' is negative, NaN or above 24 h'
            WHEN isnan(from_position_s) OR from_position_s < 0 OR from_position_s > 86400
                THEN 'invalid_position: from_position_s ' || from_position_s::VARCHAR || ' is negative, NaN or above 24 h'
            WHEN isnan(duration_s) OR duration_s <= 0 OR isinf(duration_s) THEN 'invalid_value: duration_s must be > 0'
            WHEN isnan(playback_rate) OR playback_rate <= 0 OR isinf(playback_rate) THEN 'invalid_value: playback_rate must be > 0'
            WHEN bitrate_value <= 0 THEN 'invalid_value: bitrate_kbps must be > 0'
            WHEN received_at IS NOT NULL AND occurred_at > received_at + INTERVAL 10 MINUTE
                THEN 'future_event: occurred_at is more than 10 minutes after received_at'
            WHEN received_at IS NULL AND occurred_at > $arrival_end::TIMESTAMPTZ + INTERVAL 10 MINUTE
                THEN 'future_event: occurred_at is more than 10 minutes after the arrival day'
        END AS reason
    FROM timed
)
SELECT
    source_file, file_order, line_number, reason,
    CASE WHEN reason IS NOT NULL THEN raw END AS raw,
    event_id, event_type, occurred_at, received_at, session_id, viewer_id, user_id, video_id,
    position_s, from_position_s, duration_s, playback_rate, CASE WHEN reason IS NULL THEN bitrate_value::BIGINT END AS bitrate_kbps,
    rendition, error_code, error_message, error_fatal, user_agent, ip, country, referrer, player,
    properties
FROM checked
