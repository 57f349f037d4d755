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


def _view_sql(con, name: str) -> str:
    [(sql,)] = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = ?", [name]).fetchall()
    return sql


def test_partitions_of_one_schema_are_bound_without_lining_columns_up_by_name(tmp_path):
    # union_by_name reads every file's footer at each binding: needless when all files agree
    storage = Storage(str(tmp_path))
    for day, views in ((date(2024, 1, 1), ["v1"]), (date(2024, 1, 2), ["v2", "v3"])):
        storage.write_partition("playback_sessions", day,
                                pa.table({"view_id": views, "watch_time_s": [2.0] * len(views)}))
    schema = pa.schema([("view_id", pa.string()), ("watch_time_s", pa.float64()), ("learner_id", pa.string())])
    con = duck.connect()
    days = [date(2024, 1, 1), date(2024, 1, 2)]
    duck.register_partitions(con, "s", storage, "playback_sessions", days, schema)
    assert "union_by_name = false" in _view_sql(con, "s")
    rows = con.execute("SELECT view_id, watch_time_s, learner_id, date FROM s ORDER BY view_id").fetchall()
    assert rows == [("v1", 2.0, None, date(2024, 1, 1)), ("v2", 2.0, None, date(2024, 1, 2)),
                    ("v3", 2.0, None, date(2024, 1, 2))]

    # the same partition rewritten with a newer column in the same process: its footer is read again
    storage.write_partition("playback_sessions", date(2024, 1, 2),
                            pa.table({"view_id": ["v2"], "watch_time_s": [1.0], "learner_id": ["u9"]}))
    duck.register_partitions(con, "s", storage, "playback_sessions", days, schema)
    assert "union_by_name = true" in _view_sql(con, "s")
    rows = con.execute("SELECT view_id, watch_time_s, learner_id FROM s ORDER BY view_id").fetchall()
    assert rows == [("v1", 2.0, None), ("v2", 1.0, "u9")]
