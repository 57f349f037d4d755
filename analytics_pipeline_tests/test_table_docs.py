"""The data dictionary (lib/columns.py) is the one description of every table, column and macro:
it matches the lake's schemas, the committed docs, the warehouse's comments and the Dagster
column schemas."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from analytics_pipeline.lib.columns import MACROS, TABLES, column_names
from analytics_pipeline.lib.table_docs import DOCS_PATH, LAKE_SCHEMAS, comment_statements, markdown
from analytics_pipeline.lib.duck import SQL_DIR
from analytics_pipeline_tests.scenarios.playback import SEEKS_AND_PAUSE
from analytics_pipeline_tests.support import materialize, write_catalog, write_events


def test_committed_docs_equal_what_the_generator_writes():
    assert DOCS_PATH.read_text() == markdown(), "regenerate: python -m analytics_pipeline.lib.table_docs"


def test_the_dictionary_describes_exactly_the_columns_of_every_lake_schema():
    assert set(TABLES) == set(LAKE_SCHEMAS)
    for table, schema in LAKE_SCHEMAS.items():
        expected = schema.names + (["date"] if TABLES[table].date else [])
        assert column_names(table) == expected, table
        assert TABLES[table].description.strip() and TABLES[table].grain.strip(), table
        assert all(text.strip() for text in TABLES[table].columns.values()), table


def test_every_warehouse_macro_is_described():
    created = {name for path in (SQL_DIR / "warehouse").glob("*.sql")
               for name in re.findall(r"CREATE OR REPLACE MACRO (\w+)", path.read_text())}
    assert created == set(MACROS)
    assert all(m.signature.startswith(f"{name}(") and m.description.strip() for name, m in MACROS.items())


def test_comment_statements_quote_identifiers_and_escape_text():
    con = duckdb.connect()
    con.execute("""CREATE VIEW "events_quarantine" AS SELECT 1 AS "reason", 2 AS "not described" """)
    statements = comment_statements({"events_quarantine": ("VIEW", ["reason", "not described"])}, {})
    for statement in statements:
        con.execute(statement)
    comments = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'events_quarantine'").fetchall())
    assert comments == {"reason": TABLES["events_quarantine"].columns["reason"], "not described": None}
    view_comment = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'events_quarantine'").fetchone()[0]
    assert view_comment.startswith("Rejected landing lines") and "Grain: one rejected line or file." in view_comment
    # a quote in a description survives the round trip
    assert "'" in TABLES["video_catalog"].description
    con.execute("CREATE TABLE video_catalog AS SELECT 1 AS video_id")
    for statement in comment_statements({"video_catalog": ("TABLE", ["video_id"])}, {}):
        con.execute(statement)
    assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'video_catalog'").fetchone()[0].startswith(
        TABLES["video_catalog"].description)


def test_a_built_warehouse_comments_everything_and_the_assets_declare_its_columns(settings):
    root = Path(settings.data_root)
    write_catalog(root, SEEKS_AND_PAUSE.catalog)
    write_events(root, SEEKS_AND_PAUSE.day, "batch.jsonl", SEEKS_AND_PAUSE.events)
    materialize(settings, SEEKS_AND_PAUSE.day, SEEKS_AND_PAUSE.day)

    con = duckdb.connect(settings.warehouse_path, read_only=True)
    here = "database_name = current_database() AND schema_name = 'main'"
    relations = [r[0] for r in con.execute(
        f"SELECT view_name FROM duckdb_views() WHERE NOT internal AND {here} "
        f"UNION ALL SELECT table_name FROM duckdb_tables() WHERE {here}").fetchall()]
    assert {"events", "playback_sessions", "video_daily", "viewer_progress"} <= set(relations)
    real_columns = {}
    for name in relations:
        rows = con.execute(f"SELECT column_name, comment FROM duckdb_columns() WHERE {here} AND table_name = ? "
                           "ORDER BY column_index", [name]).fetchall()
        real_columns[name] = [column for column, _ in rows]
        assert [column for column, comment in rows if not (comment or "").strip()] == [], name
    uncommented = con.execute(
        f"SELECT view_name FROM duckdb_views() WHERE NOT internal AND {here} AND coalesce(comment, '') = '' "
        f"UNION ALL SELECT table_name FROM duckdb_tables() WHERE {here} AND coalesce(comment, '') = ''"
    ).fetchall()
    assert uncommented == []
    macros = con.execute(
        f"SELECT DISTINCT function_name, comment FROM duckdb_functions() WHERE NOT internal AND {here} "
        "AND function_type IN ('macro', 'table_macro')").fetchall()
    assert {name for name, _ in macros} == set(MACROS) and all(comment for _, comment in macros)
    con.close()

    from analytics_pipeline.definitions import build_defs

    specs = {spec.key.to_user_string(): spec for spec in build_defs(settings).resolve_all_asset_specs()}
    writers = sorted(set(specs) & set(TABLES))
    assert len(writers) >= 20  # every lake table but viewer_progress_history and erasure_log has its asset
    for name in writers:
        schema = specs[name].metadata.get("dagster/column_schema")
        assert schema is not None, f"{name} declares no column schema"
        assert [c.name for c in schema.columns] == column_names(name), name
        assert all(c.description and c.type for c in schema.columns), name
        if name in real_columns:
            assert [c.name for c in schema.columns] == real_columns[name], name
    # without provider settings the provider tables are not built; their columns are the Arrow
    # schemas (test_the_dictionary_describes_exactly_the_columns_of_every_lake_schema)
    assert set(writers) - set(real_columns) <= {"provider_video_daily", "provider_country_daily", "provider_heatmap",
                                                "provider_reconciliation_daily"}
