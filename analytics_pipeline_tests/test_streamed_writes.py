"""Streamed Parquet writes (played_ranges) and the prefetching thread behind them.

A streamed file must be the file `write_parquet` makes of the whole table (rows, schema and row
groups), and a stream that fails half way must leave the previous partition as it was.
"""

from __future__ import annotations

import threading
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analytics_pipeline.lib import storage as storage_module
from analytics_pipeline.lib.prefetch import prefetched
from analytics_pipeline.lib.storage import STAGING_DIR, Storage

SCHEMA = pa.schema([("view_id", pa.string()), ("played_s", pa.float64())])


def _batches(sizes: list[int]) -> list[pa.RecordBatch]:
    out, start = [], 0
    for n in sizes:
        ids = [f"v{i % 7}" for i in range(start, start + n)]
        out.append(pa.record_batch([pa.array(ids), pa.array([i * 0.5 for i in range(start, start + n)])], schema=SCHEMA))
        start += n
    return out


def _row_groups(path) -> list[int]:
    meta = pq.ParquetFile(path).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


@pytest.mark.parametrize("sizes", [[7, 3, 12, 1, 9], [10, 10], [25], [], [0, 4]], ids=str)
def test_a_streamed_file_equals_the_whole_table_written_at_once(tmp_path, monkeypatch, sizes):
    monkeypatch.setattr(storage_module, "ROW_GROUP_ROWS", 10)
    storage = Storage(str(tmp_path))
    batches = _batches(sizes)
    whole = pa.Table.from_batches(batches, SCHEMA)

    storage.write_parquet("lake/a/data.parquet", whole)
    rows = storage.write_parquet_batches("lake/b/data.parquet", pa.RecordBatchReader.from_batches(SCHEMA, batches))

    assert rows == sum(sizes)
    a, b = tmp_path / "lake/a/data.parquet", tmp_path / "lake/b/data.parquet"
    assert pq.read_table(b).equals(pq.read_table(a))
    assert _row_groups(b) == _row_groups(a)
    assert all(n == 10 for n in _row_groups(b)[:-1])


def test_a_stream_that_fails_leaves_the_previous_file(tmp_path):
    storage = Storage(str(tmp_path))
    before = pa.Table.from_batches(_batches([5]), SCHEMA)
    storage.write_parquet("lake/t/data.parquet", before)

    def failing():
        yield from _batches([4, 4])
        raise RuntimeError("source failed half way")

    with pytest.raises(RuntimeError, match="half way"):
        storage.write_parquet_batches("lake/t/data.parquet", pa.RecordBatchReader.from_batches(SCHEMA, failing()))

    assert pq.read_table(tmp_path / "lake/t/data.parquet").equals(before)
    staging = tmp_path / STAGING_DIR
    assert not staging.exists() or not any(p.is_file() for p in staging.rglob("*"))


def test_prefetched_keeps_order_and_raises_the_producers_error_where_it_happened():
    def produce():
        yield from range(5)
        raise ValueError("bad item 5")

    seen = []
    with pytest.raises(ValueError, match="bad item 5"):
        for item in prefetched(produce(), depth=2):
            seen.append(item)
    assert seen == [0, 1, 2, 3, 4]


def test_a_consumer_that_stops_early_stops_the_producer():
    produced = []

    def produce():
        for i in range(1000):
            produced.append(i)
            yield i

    threads_before = set(threading.enumerate())
    items = prefetched(produce(), depth=1)
    assert next(items) == 0
    [producer] = set(threading.enumerate()) - threads_before
    items.close()  # the consumer gives up, as on an error of its own: the producer is joined
    assert not producer.is_alive()  # (other tests' threads may come and go meanwhile)
    count = len(produced)
    time.sleep(0.3)
    assert len(produced) == count < 10


def test_played_ranges_take_their_views_ids_by_key_and_keep_their_order():
    from analytics_pipeline.lib.sessionize import PLAYED_RANGES_ENCODED, RANGE_VALUES, with_view_ids

    view_ids = pa.table({"view_key": pa.array([3, 8, 20], pa.int64()), "view_id": ["a", "b", "c"],
                         "session_id": ["s1", "s1", "s2"], "viewer_id": ["u", "u", "w"], "video_id": ["x", "y", "x"]})
    keys = [8, 8, 3, 20, 8]
    values = {"view_key": keys, "range_start_s": [0.0, 5.0, 1.0, 2.0, 9.0], "range_end_s": [5.0, 9.0, 2.0, 4.0, 12.0],
              "played_s": [5.0, 4.0, 1.0, 2.0, 3.0], "rate": [1.0] * 5, "rendition": ["720p"] * 5,
              "bitrate_kbps": [2500] * 5, "from_at": [1000 * k for k in range(5)], "to_at": [1000 * k + 500 for k in range(5)]}
    ranges = pa.RecordBatch.from_pydict(values, schema=RANGE_VALUES)
    out = with_view_ids(ranges, view_ids)

    assert out.schema == PLAYED_RANGES_ENCODED
    assert out.column("view_id").to_pylist() == ["b", "b", "a", "c", "b"]
    assert out.column("view_id").dictionary.to_pylist() == ["a", "b", "c"]  # the views at hand, once each
    assert out.column("session_id").to_pylist() == ["s1", "s1", "s1", "s2", "s1"]
    assert out.column("video_id").to_pylist() == ["y", "y", "x", "x", "y"]
    assert out.column("range_start_s").to_pylist() == values["range_start_s"]
    assert out.column("from_at").cast(pa.int64()).to_pylist() == values["from_at"]

    stray = pa.RecordBatch.from_pydict({**values, "view_key": [8, 8, 4, 20, 8]}, schema=ranges.schema)
    with pytest.raises(ValueError, match="not among the day's views"):
        with_view_ids(stray, view_ids)


def test_played_ranges_with_encoded_ids_read_back_as_plain_strings(tmp_path, monkeypatch):
    """The file written from dictionary-encoded ids is the file of the plain table, for every reader."""
    monkeypatch.setattr(storage_module, "ROW_GROUP_ROWS", 150)
    import duckdb
    import polars as pl

    from analytics_pipeline.lib.sessionize import PLAYED_RANGES, PLAYED_RANGES_ENCODED, RANGE_VALUES, with_view_ids

    n_views, n_ranges = 50, 400
    view_ids = pa.table({"view_key": pa.array(range(0, 2 * n_views, 2), pa.int64()),
                         "view_id": [f"view-{i}" for i in range(n_views)],
                         "session_id": [f"s{i // 3}" for i in range(n_views)],  # repeated across views
                         "viewer_id": [f"u{i % 7}" for i in range(n_views)],
                         "video_id": [f"v{i % 5}" for i in range(n_views)]})
    keys = sorted(2 * (i * 7 % n_views) for i in range(n_ranges))
    values = {"view_key": keys, "range_start_s": [float(i) for i in range(n_ranges)],
              "range_end_s": [i + 1.5 for i in range(n_ranges)], "played_s": [1.5] * n_ranges, "rate": [1.0] * n_ranges,
              "rendition": [None if i % 4 else "720p" for i in range(n_ranges)],
              "bitrate_kbps": [None if i % 4 else 2500 for i in range(n_ranges)],
              "from_at": [1000 * i for i in range(n_ranges)], "to_at": [1000 * i + 1500 for i in range(n_ranges)]}
    narrow = pa.Table.from_pydict(values, schema=RANGE_VALUES)
    groups = storage_module.row_groups(pa.RecordBatchReader.from_batches(RANGE_VALUES, narrow.to_batches(max_chunksize=64)), 150)  # as sessionize does
    encoded = pa.RecordBatchReader.from_batches(PLAYED_RANGES_ENCODED, (with_view_ids(g, view_ids) for g in groups))
    plain = pa.Table.from_batches([with_view_ids(narrow, view_ids)]).cast(PLAYED_RANGES)

    storage = Storage(str(tmp_path))
    storage.write_parquet("lake/plain/data.parquet", plain)
    storage.write_parquet_batches("lake/encoded/data.parquet", encoded)

    path = tmp_path / "lake/encoded/data.parquet"
    back = pq.read_table(path)
    assert back.schema.equals(PLAYED_RANGES)
    assert _row_groups(path) == [150, 150, 100]
    assert back.equals(pq.read_table(tmp_path / "lake/plain/data.parquet"))
    assert back.column("session_id").to_pylist()[:3] == [view_ids.column("session_id")[k // 2].as_py() for k in keys[:3]]
    assert pl.read_parquet(path).schema["view_id"] == pl.String
    assert duckdb.sql(f"SELECT typeof(view_id) FROM '{path}' LIMIT 1").fetchall() == [("VARCHAR",)]
    encodings = pq.ParquetFile(path).metadata.row_group(0).column(0).encodings
    assert "RLE_DICTIONARY" in encodings or "PLAIN_DICTIONARY" in encodings
