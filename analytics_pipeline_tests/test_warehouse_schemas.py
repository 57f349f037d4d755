"""The warehouse's views over partitions of one schema and of several (older partitions without a
newer column), and the record of file schemas it keeps between builds."""

from datetime import date

import duckdb
import pyarrow as pa

from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.lib.warehouse import build_warehouse

OLD = pa.table({"video_id": ["a", "b"], "views": [3, 4]})
NEW = pa.table({"video_id": ["a"], "views": [5], "plays_started": [6]})


def _view(path):
    con = duckdb.connect(str(path), read_only=True)
    sql = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'video_daily'").fetchone()[0]
    rows = con.execute("SELECT date, video_id, views, plays_started FROM video_daily ORDER BY ALL").fetchall() \
        if "plays_started" in [r[0] for r in con.execute("DESCRIBE video_daily").fetchall()] else None
    con.close()
    return sql, rows


def test_partitions_of_several_schemas_line_up_by_name(tmp_path):
    storage = Storage(str(tmp_path / "data"))
    warehouse = tmp_path / "warehouse" / "analytics.duckdb"
    storage.write_partition("video_daily", date(2026, 3, 1), OLD)
    storage.write_partition("video_daily", date(2026, 3, 2), OLD)
    build_warehouse(storage, str(warehouse))
    sql, _ = _view(warehouse)
    assert "union_by_name = false" in sql                       # one schema: the first footer is enough

    storage.write_partition("video_daily", date(2026, 3, 3), NEW)  # a newer version adds a column
    build_warehouse(storage, str(warehouse))
    sql, rows = _view(warehouse)
    assert "union_by_name = true" in sql
    assert rows == [(date(2026, 3, 1), "a", 3, None), (date(2026, 3, 1), "b", 4, None),
                    (date(2026, 3, 2), "a", 3, None), (date(2026, 3, 2), "b", 4, None),
                    (date(2026, 3, 3), "a", 5, 6)]

    for day in (date(2026, 3, 1), date(2026, 3, 2)):            # the old days rebuilt: one schema again
        storage.write_partition("video_daily", day, NEW)
    build_warehouse(storage, str(warehouse))
    sql, rows = _view(warehouse)
    assert "union_by_name = false" in sql
    assert [r[3] for r in rows] == [6, 6, 6]


def test_an_unreadable_record_means_reading_every_footer(tmp_path):
    storage = Storage(str(tmp_path / "data"))
    warehouse = tmp_path / "warehouse" / "analytics.duckdb"
    storage.write_partition("video_daily", date(2026, 3, 1), OLD)
    storage.write_partition("video_daily", date(2026, 3, 2), NEW)
    (tmp_path / "warehouse").mkdir()
    warehouse.with_name("analytics.duckdb.schemas.json").write_text("{not json")
    build_warehouse(storage, str(warehouse))
    sql, rows = _view(warehouse)
    assert "union_by_name = true" in sql and len(rows) == 3


def test_a_build_with_nothing_new_keeps_the_file_and_its_views_see_new_days(tmp_path):
    storage = Storage(str(tmp_path / "data"))
    warehouse = tmp_path / "warehouse" / "analytics.duckdb"
    inode = lambda: warehouse.stat().st_ino  # noqa: E731  (a rebuilt file is moved into place: a new inode)
    storage.write_partition("video_daily", date(2026, 3, 1), OLD)
    build_warehouse(storage, str(warehouse))
    first = inode()

    storage.write_partition("video_daily", date(2026, 3, 2), OLD)  # a new day of the same schema
    assert not build_warehouse(storage, str(warehouse)).rebuilt
    assert inode() == first
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM video_daily").fetchone()[0] == 4  # the glob sees the new day
    con.close()

    assert build_warehouse(storage, str(warehouse), {"course_daily": NEW.schema}).rebuilt  # an empty table more
    assert inode() != first
    second = inode()
    storage.write_partition("course_daily", date(2026, 3, 2), NEW)  # the empty table gets files
    build_warehouse(storage, str(warehouse), {"course_daily": NEW.schema})
    assert inode() != second
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'course_daily'"
                       ).fetchone()[0] == "VIEW"
    con.close()

    third = inode()
    con = duckdb.connect(str(warehouse))  # somebody wrote into the file: the next build replaces it
    con.execute("CREATE TABLE scratch AS SELECT 1 AS x")
    con.close()
    build_warehouse(storage, str(warehouse), {"course_daily": NEW.schema})
    assert inode() != third
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'scratch'").fetchone()[0] == 0
    con.close()
