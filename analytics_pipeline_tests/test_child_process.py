"""Child processes of our own (pictures, report pages, generator chunks): they run the calls sent to them, never the parent's script."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

from analytics_pipeline.lib.child_process import ChildProcess, ChildProcessError


def test_a_script_without_a_main_guard_runs_once_with_a_drawing_process(tmp_path):
    # multiprocessing's spawn ran such a script again in its child, which wrote twice and then failed
    marker = tmp_path / "ran.txt"
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import os\n"
        "from analytics_pipeline.defs.marts.pictures import drawing_process\n"
        f"open({str(marker)!r}, 'a').write('ran\\n')\n"
        "with drawing_process(True) as draw:\n"
        "    print(draw(os.getpid), os.getpid())\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    child, parent = done.stdout.split()
    assert child != parent
    assert marker.read_text() == "ran\n"


def test_a_child_imports_from_the_parents_path_not_from_its_working_folder(tmp_path):
    # `python -m` would put the working folder first: a module there would shadow the parent's
    for folder in ("script", "cwd"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "probe.py").write_text(f"def where():\n    return {folder!r}\n")
    (tmp_path / "script" / "main.py").write_text(
        "import probe\n"
        "from analytics_pipeline.lib.child_process import ChildProcess\n"
        "with ChildProcess() as child:\n"
        "    print(probe.where(), child.call(probe.where))\n"
    )
    done = subprocess.run([sys.executable, str(tmp_path / "script" / "main.py")], cwd=tmp_path / "cwd",
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["script", "script"]


def test_a_failed_call_raises_with_the_childs_traceback_and_the_child_goes_on():
    with ChildProcess() as child:
        with pytest.raises(ChildProcessError, match="math domain error"):
            child.call(math.sqrt, -1)
        assert child.call(math.sqrt, 9) == 3.0
        assert child.call(os.getpid) == child.pid


def test_a_child_that_dies_is_reported_not_waited_on():
    with ChildProcess() as child:
        with pytest.raises(ChildProcessError, match="ended"):
            child.call(os._exit, 3)


def _pid_after(seconds: float) -> int:
    import time

    time.sleep(seconds)
    return os.getpid()


def test_map_in_children_keeps_the_order_and_uses_every_child():
    from analytics_pipeline.lib.child_process import map_in_children

    assert map_in_children(math.sqrt, [16, 1, 9, 4], 2) == [4.0, 1.0, 3.0, 2.0]
    assert map_in_children(math.sqrt, [], 2) == []
    pids = map_in_children(_pid_after, [0.3] * 4, 2)
    assert len(set(pids)) == 2 and os.getpid() not in pids
    with pytest.raises(ChildProcessError, match="math domain error"):
        map_in_children(math.sqrt, [1, -1], 2)
