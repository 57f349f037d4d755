"""The drawing process: a child interpreter that runs the calls sent to it, and never the parent's script."""

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
