"""A command's process tree: summed RSS every 50 ms, the processes at the peak, a line every 2 s.

    python benchmarks/profile_tree.py .venv/bin/analytics-pipeline materialize --data-root DIR --start D --end D

The command's own output goes to profile_tree.out and .err in the system's temp folder.
"""
import os, subprocess, sys, tempfile, time

import psutil
args = sys.argv[1:]
OUT = os.path.join(tempfile.gettempdir(), 'profile_tree')
proc = subprocess.Popen(args, stdout=open(OUT + ".out", "w"), stderr=open(OUT + ".err", "w"))
root = psutil.Process(proc.pid); t0 = time.perf_counter(); log = []
while proc.poll() is None:
    try:
        tree = [root, *root.children(recursive=True)]
        snap = []
        for p in tree:
            try: snap.append((p.pid, p.memory_info().rss >> 20, " ".join(p.cmdline()[1:4])[-60:]))
            except Exception: pass
        log.append((round(time.perf_counter() - t0, 2), sum(s[1] for s in snap), snap))
    except psutil.NoSuchProcess: pass
    time.sleep(0.05)
peak = max(log, key=lambda x: x[1])
print("rc", proc.returncode, "seconds", round(time.perf_counter() - t0, 1), "peak", peak[1], "at", peak[0])
for s in peak[2]: print("   ", s)
# timeline every 2 s
last = -9
for t, tot, snap in log:
    if t - last >= 2:
        print(f"{t:6.1f} {tot:6d}  " + " | ".join(f"{r}:{c[-25:]}" for _, r, c in snap if r > 100)); last = t
