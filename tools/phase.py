"""One phase of the bench, run as the child of this small process and measured by it.

The peak memory the kernel reports for a child (``ru_maxrss``) is at least that of the process
it was started from: started by the bench itself, which has generated the export and read the
store, every phase weighed at least what the bench did (189 MB for each of them at 10,000
posts). Started from this process, which imports only the standard library, a phase weighs
what it holds.

``python tools/phase.py COMMAND...`` prints the command's output, then one line of JSON: its
wall and CPU seconds (user and system, its own children's included), peak MB and exit code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(command: list[str]) -> None:
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = child.stdout.read() if child.stdout else b""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    sys.stdout.buffer.write(out if out.endswith(b"\n") or not out else out + b"\n")
    measured = {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024, "code": child.returncode}  # fmt: skip
    print(json.dumps(measured))


if __name__ == "__main__":
    main(sys.argv[1:])
