"""How numbers and servers are said to people, in one place: every plan
reason, table and log line uses these, so units and precision never vary
from line to line.

CPU use is in busy vCPU-equivalents, one decimal; memory in MiB, whole;
data a migration copies in MiB below 1 GiB, else GiB (one decimal) or TiB.
A server is said as ``name (first 8 of its id)``, or by its id alone when it
has no name or its name is its id (snapshots such as figure 2).
"""

import math

#: How many characters of a server id stand beside its name.
ID_CHARS = 8


def label(server_id, name):
    """``web-1 (114b085d)``, or the id alone (no name, or name == id). A
    UUID (Nova's ids) is cut to its first 8 characters, enough to look it
    up; any other id is shown whole."""
    if not name or name == server_id:
        return server_id
    short = server_id[:ID_CHARS] if _is_uuid(server_id) else server_id
    return f'{name} ({short})'


def _is_uuid(text):
    return len(text) == 36 and [len(p) for p in text.split('-')] == \
        [8, 4, 4, 4, 12]


def server_label(server):
    """``label`` of a ``core.model.Server``."""
    return label(server.id, server.name)


def label_in(cluster, server_id):
    """``server_label`` of a server of ``cluster`` by id, else the id (a
    server the cluster does not hold)."""
    si = cluster.server_index(server_id)
    return server_id if si is None else server_label(cluster.servers[si])


def _number(value, digits):
    if not math.isfinite(value):
        return str(value)
    text = f'{value:.{digits}f}'
    # -0.0 after rounding reads as a negative use.
    return text[1:] if text.startswith('-') and float(text) == 0 else text


def vcpu(value):
    """``12.5 vCPU``."""
    return f'{_number(value, 1)} vCPU'


def mib(value):
    """``3072 MiB``."""
    return f'{_number(value, 0)} MiB'


def data(mb):
    """Data to copy: ``512 MiB``, ``20.0 GiB``, ``1.2 TiB``."""
    if not math.isfinite(mb) or abs(mb) < 1024:
        return mib(mb)
    if abs(mb) < 1024 * 1024:
        return f'{_number(mb / 1024, 1)} GiB'
    return f'{_number(mb / 1024 / 1024, 1)} TiB'


def percent(fraction):
    """``5%``."""
    return f'{fraction:.0%}'


def usage(cpu_used, cpu_limit, mem_used, mem_limit):
    """``CPU 90.0 of 80.0 vCPU, memory 3072 of 13107 MiB``."""
    return (f'CPU {_number(cpu_used, 1)} of {vcpu(cpu_limit)}, '
            f'memory {_number(mem_used, 0)} of {mib(mem_limit)}')


def state_usage(state, hi):
    """``usage`` of host position ``hi`` of a ``core.load.LoadState``."""
    return usage(state.cpu_used[hi], state.cpu_limit[hi],
                 state.mem_used[hi], state.mem_limit[hi])


def plural(count, noun, nouns=None):
    """``1 move``, ``3 moves``."""
    return f'{count} {noun if count == 1 else (nouns or noun + "s")}'


def short_reason(reason):
    """The head of a reason (before its first ``:`` or `` (``), used to
    count hosts left hot by reason; strategies write reasons as
    ``head: details`` or ``head (details)``."""
    cut = len(reason)
    for mark in (':', ' (', ';'):
        at = reason.find(mark)
        if at != -1:
            cut = min(cut, at)
    return reason[:cut]
