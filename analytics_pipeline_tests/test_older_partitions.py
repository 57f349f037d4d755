"""A lake written before a column was added keeps working: the column reads as null."""

from __future__ import annotations

from datetime import date

import pyarrow as pa

from analytics_pipeline.lib import duck
from analytics_pipeline.lib.storage import Storage


def test_a_partition_without_a_newer_column_reads_it_as_null(tmp_path):
    storage = Storage(str(tmp_path))
    storage.write_partition("playback_sessions", date(2024, 1, 1), pa.table({"view_id": ["v1"], "watch_time_s": [3.5]}))
    storage.write_partition("playback_sessions", date(2024, 1, 2),
                            pa.table({"view_id": ["v2"], "watch_time_s": [1.0], "experience_score": [80.0]}))
    schema = pa.schema([("view_id", pa.string()), ("watch_time_s", pa.float64()), ("experience_score", pa.float64()),
                        ("learner_id", pa.string())])
    con = duck.connect()
    duck.register_partitions(con, "s", storage, "playback_sessions", [date(2024, 1, 1), date(2024, 1, 2)], schema)
    rows = con.execute("SELECT view_id, experience_score, learner_id FROM s ORDER BY view_id").fetchall()
    assert rows == [("v1", None, None), ("v2", 80.0, None)]
