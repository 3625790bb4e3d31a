"""CPU time of a process on this machine, read from /proc: what the benchmarks
compare, because on a shared machine wall time moves with the load and CPU time
much less."""

import os
from pathlib import Path


def cpu_seconds(pid, children=False):
    """Seconds of CPU process `pid` has used (user and system), with `children`
    also those of its children it has reaped; None if it has exited or is not
    on this machine."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 to 17 of proc(5): utime, stime, cutime, cstime.
    ticks = sum(int(v) for v in stat[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")
