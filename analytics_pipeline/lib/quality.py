"""Invariants the asset checks enforce, as pure queries over lake partitions."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from analytics_pipeline.lib import duck, schemas
from analytics_pipeline.lib.privacy import find_ip_literals
from analytics_pipeline.lib.storage import Storage


def unaccounted_files(audit: pa.Table) -> list[str]:
    """Files whose lines_read differs from accepted + duplicates + quarantined."""
    rows = audit.select(["source_file", "lines_read", "accepted", "duplicates", "quarantined"]).to_pylist()
    return [r["source_file"] for r in rows if r["lines_read"] != r["accepted"] + r["duplicates"] + r["quarantined"]]


def clear_ips_in_quarantine(quarantine: pa.Table) -> int:
    """Quarantine rows with a clear address anywhere in any text column (JSON escapes decoded)."""
    texts = [quarantine.column(f.name).to_pylist() for f in quarantine.schema
             if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return sum(1 for row in zip(*texts) if any(t and find_ip_literals(t) for t in row))


def clear_ips_in_events(storage: Storage, days: list[date]) -> int:
    """Event rows of these days whose `ip_hash` is not a hash (or that still carry an `ip`)."""
    con = duck.connect()
    duck.register_partitions(con, "ev", storage, "events", days, schemas.EVENTS)
    cols = {r[0] for r in con.sql("DESCRIBE ev").fetchall()}
    if "ip" in cols:
        return con.execute("SELECT count(*) FROM ev WHERE ip IS NOT NULL").fetchone()[0]
    # each distinct value matched once (a day of 10 M events holds about 60 k): 0.7 s -> 0.04 s
    return con.execute(
        "SELECT coalesce(sum(n), 0) FROM (SELECT ip_hash, count(*) AS n FROM ev WHERE ip_hash IS NOT NULL GROUP BY ip_hash) "
        "WHERE NOT regexp_full_match(ip_hash, '[0-9a-f]{32}')"
    ).fetchone()[0]


def duplicate_event_ids(storage: Storage, days: list[date]) -> int:
    """Event rows of these days whose event_id an earlier row has."""
    con = duck.connect()
    duck.register_partitions(con, "ev", storage, "events", days, schemas.EVENTS)
    # distinct hashes first (a third faster than distinct strings): as many as rows means every
    # id differs; otherwise the exact count decides (a hash collision is not a duplicate)
    if con.execute("SELECT count(*) = count(DISTINCT hash(event_id)) AND count(*) = count(event_id) FROM ev").fetchall()[0][0]:
        return 0
    return con.execute("SELECT count(*) - count(DISTINCT event_id) FROM ev").fetchone()[0]


def duplicate_view_ids(storage: Storage, days: list[date], empty_schema: pa.Schema) -> int:
    """Views that appear more than once in these days (a view belongs to exactly one day)."""
    con = duck.connect()
    duck.register_partitions(con, "s", storage, "playback_sessions", days, empty_schema)
    return con.execute("SELECT count(*) - count(DISTINCT view_id) FROM s").fetchone()[0]


def ranges_faster_than_wall_time(storage: Storage, days: list[date], empty_schema: pa.Schema) -> int:
    """Played ranges longer than their wall time times the rate (+2 s tolerance of the rule)."""
    con = duck.connect()
    duck.register_partitions(con, "r", storage, "played_ranges", days, empty_schema)
    return con.execute(
        "SELECT count(*) FROM r WHERE played_s > epoch(to_at - from_at) * rate + 2 + 1e-9"
    ).fetchone()[0]
