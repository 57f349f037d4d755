"""The sessions step alone on a kept lake: RSS every 20 ms, with the line of project code running.

    python benchmarks/bench_pipeline.py --events 10000000 --keep      # keeps the lake in /tmp/bench-10000000-*
    python benchmarks/profile_sessions.py /tmp/bench-10000000-XXXX [2GB]

Prints the step's time, its peak RSS and where, and the highest RSS seen at each line. The day
is bench_pipeline's (2026-06-10); the second argument is the DuckDB memory limit (3GB if omitted).
"""
import sys, threading, time, datetime, traceback, psutil, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from analytics_pipeline.lib.storage import Storage
from analytics_pipeline.lib.sessions_day import build_sessions_day
root = sys.argv[1]
D = datetime.date(2026, 6, 10)
proc = psutil.Process()
main_id = threading.get_ident()
samples = []
stop = False
def where():
    f = sys._current_frames().get(main_id)
    out = []
    while f is not None:
        fn = f.f_code.co_filename
        if "analytics_pipeline" in fn:
            out.append(f"{os.path.basename(fn)}:{f.f_lineno}")
        f = f.f_back
    return out[0] if out else "?"
def sample():
    while not stop:
        samples.append((time.perf_counter(), proc.memory_info().rss, where()))
        time.sleep(0.02)
t = threading.Thread(target=sample, daemon=True); t.start()
t0 = time.perf_counter()
r = build_sessions_day(Storage(root), D, memory_limit=(sys.argv[2] if len(sys.argv) > 2 else "3GB"))
stop = True; t.join()
print("seconds", round(time.perf_counter() - t0, 2), "views", r["views"])
peak = max(samples, key=lambda s: s[1])
print("peak MiB", peak[1] >> 20, "at", peak[2], "t", round(peak[0] - t0, 1))
# max RSS per location, in first-seen order
seen = {}
for ts, rss, w in samples:
    a = seen.setdefault(w, [ts - t0, 0, 0])
    a[1] = max(a[1], rss >> 20); a[2] += 0.02
for w, (first, mx, dur) in sorted(seen.items(), key=lambda kv: kv[1][0]):
    if dur >= 0.1:
        print(f"  {first:6.1f}s {dur:5.1f}s max {mx:5d} MiB  {w}")
