"""Whether two lakes hold the same sessions outputs of a day, bit for bit (rows, types, metadata).

    python benchmarks/sessions_outputs_equal.py ROOT_A ROOT_B [2026-06-10]

Build the day with one commit, copy or rebuild with another (e.g. `profile_sessions.py` on two
copies of a kept lake), then compare: playback_sessions, played_ranges and quality_changes.
"""
import glob, sys

import pyarrow.parquet as pq

a, b = sys.argv[1], sys.argv[2]
day = sys.argv[3] if len(sys.argv) > 3 else "2026-06-10"
same = True
for table in ("playback_sessions", "played_ranges", "quality_changes"):
    tables = [pq.read_table(sorted(glob.glob(f"{root}/lake/{table}/date={day}/*.parquet"))) for root in (a, b)]
    equal = tables[0].equals(tables[1]) and tables[0].schema.equals(tables[1].schema, check_metadata=True)
    same &= equal
    print(f"{table}: {tables[0].num_rows} and {tables[1].num_rows} rows, {'identical' if equal else 'DIFFERENT'}")
sys.exit(0 if same else 1)
