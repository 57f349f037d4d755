"""The whole pipeline with an `s3://` data root (moto on 127.0.0.1) gives the local run's tables.

Same generated landing data (same seed) goes into a local folder and into a bucket; both are
materialised for the same days; every lake file must match value for value, and the warehouse
built over the bucket (views with `s3://` paths) must answer like the local one.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from analytics_pipeline.lib import duck
from analytics_pipeline.lib.generator import generate
from analytics_pipeline.lib.storage import STAGING_DIR, Storage
from analytics_pipeline.settings import load_settings
from analytics_pipeline_tests.s3_server import comparable_rows, s3_server, storage_snapshot  # noqa: F401 (fixture)
from analytics_pipeline_tests.support import materialize

START, END = date(2024, 3, 1), date(2024, 3, 2)
EVENTS_PER_DAY = 250
SEED = 11


@pytest.fixture(scope="module")
def runs(s3_server, tmp_path_factory):  # noqa: F811
    """(local settings, s3 settings, bucket) after generating and materialising both."""
    tmp = tmp_path_factory.mktemp("s3_pipeline")
    bucket = s3_server.new_bucket()
    base = {"ANALYTICS_IP_HASH_KEY": "test-ip-key", "DAGSTER_HOME": str(tmp / "dagster_home")}
    (tmp / "dagster_home").mkdir()
    local_env = {**base, "ANALYTICS_DATA_ROOT": str(tmp / "local")}
    s3_env = {**base, **s3_server.env(), "ANALYTICS_DATA_ROOT": f"s3://{bucket}/analytics",
              "ANALYTICS_WAREHOUSE": str(tmp / "s3_warehouse" / "analytics.duckdb")}
    out = []
    with pytest.MonkeyPatch.context() as mp:
        for var in ("ANALYTICS_WAREHOUSE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "BUNNY_LIBRARY_ID",
                    "BUNNY_API_KEY", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_API_TOKEN"):
            mp.delenv(var, raising=False)
        for env in (local_env, s3_env):
            for k, v in env.items():
                mp.setenv(k, v)
            settings = load_settings()
            generate(Storage.from_settings(settings), START, END, EVENTS_PER_DAY, seed=SEED, files_per_day=2)
            materialize(settings, START, END)
            out.append(settings)
        yield out[0], out[1], bucket  # the AWS_* variables stay set while the tests read the bucket


def test_every_lake_table_matches_the_local_run(runs):
    local, remote, _ = runs
    local_lake = storage_snapshot(Storage.from_settings(local))
    remote_lake = storage_snapshot(Storage.from_settings(remote))
    assert sorted(remote_lake) == sorted(local_lake)
    tables = {path.split("/")[0] for path in local_lake}
    assert {"events", "playback_sessions", "video_daily", "platform_daily", "video_catalog"} <= tables
    assert sum(len(rows) for _, rows in local_lake.values()) > 500  # not an empty comparison
    for path in local_lake:
        assert remote_lake[path] == local_lake[path], path


def test_warehouse_views_read_the_bucket_and_answer_like_local(runs):
    local, remote, bucket = runs
    with duck.connect_warehouse(local) as lcon, duck.connect_warehouse(remote) as rcon:
        views = [r[0] for r in rcon.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
        assert "events" in views and "playback_sessions" in views
        sql = rcon.sql("SELECT sql FROM duckdb_views() WHERE view_name = 'events'").fetchall()[0][0]
        assert f"s3://{bucket}/analytics/lake/events/*/*.parquet" in sql
        for view in views:
            query = f"SELECT * FROM {view} ORDER BY ALL"
            assert comparable_rows(rcon.sql(query).fetchall()) == comparable_rows(lcon.sql(query).fetchall()), view
        stats = f"SELECT * FROM platform_stats(DATE '{START}', DATE '{END}')"
        assert comparable_rows(rcon.sql(stats).fetchall()) == comparable_rows(lcon.sql(stats).fetchall())
        # 2 days x about 250 generated events, some of them views: the macro has real figures
        assert rcon.sql("SELECT count(*) FROM events").fetchall()[0][0] > 300
        setup = rcon.sql("SELECT analyst_setup FROM _warehouse_info").fetchall()[0][0]
        assert "LOAD httpfs" in setup and "URL_STYLE 'path'" in setup and "SECRET '" not in setup
        uncommented = rcon.sql("SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
                               "AND coalesce(comment, '') = ''").fetchall()
        assert uncommented == []  # _warehouse_info and the views over the bucket are described too


def test_bucket_holds_the_layout_and_no_temporary_objects(runs, s3_server):  # noqa: F811
    _, remote, bucket = runs
    keys = s3_server.keys(bucket, "analytics/")
    assert "analytics/lake/events/date=2024-03-01/data.parquet" in keys
    assert any(k.startswith("analytics/landing/events/2024-03-02/") for k in keys)
    leftovers = [k for k in keys if k.startswith(f"analytics/{STAGING_DIR}/") and not k.endswith("/")]
    assert leftovers == []
    assert "analytics/lake/event_arrivals/date=2024-03-01/events-of-2024-03-01.parquet" in keys
    staged = re.compile(r".*/lake/event_arrivals/date=[0-9-]{10}/events-of-[0-9-]{10}\.parquet")
    assert not any("/lake/" in k and not k.endswith(("/data.parquet", "/")) and not staged.fullmatch(k) for k in keys)
