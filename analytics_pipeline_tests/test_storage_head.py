"""Storage.read_parquet_head: a preview reads the first rows, the same as the whole file's first rows."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from analytics_pipeline.lib.storage import Storage


def test_head_equals_the_first_rows_of_the_whole_file(tmp_path):
    table = pa.table({"n": list(range(1000)), "s": [f"row {i}" for i in range(1000)]})
    (tmp_path / "t").mkdir()
    pq.write_table(table, tmp_path / "t" / "a.parquet", row_group_size=100)
    storage = Storage(str(tmp_path))
    assert storage.read_parquet_head("t/a.parquet", 5).equals(table.slice(0, 5))
    assert storage.read_parquet_head("t/a.parquet", 150, ["s"]).equals(table.select(["s"]).slice(0, 150))


def test_head_of_an_empty_file_has_its_columns(tmp_path):
    (tmp_path / "t").mkdir()
    pq.write_table(pa.table({"n": pa.array([], pa.int64()), "s": pa.array([], pa.string())}), tmp_path / "t" / "e.parquet")
    head = Storage(str(tmp_path)).read_parquet_head("t/e.parquet", 5, ["s"])
    assert head.num_rows == 0 and head.column_names == ["s"]
