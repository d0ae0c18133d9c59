"""Usage source ``diagnostics``: Nova server diagnostics (microversion
>= 2.48, the driver-independent format).

CPU: the change of the summed ``cpu_details[].time`` (nanoseconds) between
two polls ``diagnostics_sample_seconds`` apart, divided by the wall time
between them: busy vCPU-equivalents. Memory: ``memory_details.used`` (MB).

Diagnostics exist only per server (two calls per ACTIVE server per cycle).
A server that is not ACTIVE, or whose diagnostics are missing or
unreadable, keeps its flavor as usage (reported as a problem when it was
ACTIVE): a conservative choice, never a guess of zero.
"""

import dataclasses
import time

from nova_hotspot import exceptions
from nova_hotspot.core.problems import Problem
from nova_hotspot.usage import base


@dataclasses.dataclass(frozen=True)
class DiagnosticsOptions:
    #: seconds between the two polls ([hotspot] diagnostics_sample_seconds)
    sample_seconds: float = 5.0


def cpu_time_ns(diagnostics):
    """Summed CPU time (ns) of a ``cloud.records.Diagnostics``, or None if
    unknown."""
    times = diagnostics.cpu_times
    if not times or any(not isinstance(t, (int, float)) or
                        isinstance(t, bool) for t in times):
        return None
    return float(sum(times))


def busy_vcpus(first_ns, second_ns, wall_seconds):
    """Busy vCPU-equivalents from two CPU time samples, or None."""
    if first_ns is None or second_ns is None or wall_seconds <= 0:
        return None
    delta = second_ns - first_ns
    if delta < 0:          # the guest restarted between the polls
        return None
    return delta / 1e9 / wall_seconds


def memory_used(diagnostics):
    used = diagnostics.memory_used
    if isinstance(used, (int, float)) and not isinstance(used, bool) \
            and used >= 0:
        return float(used)
    return None


class DiagnosticsUsage(base.UsageSource):
    name = 'diagnostics'

    def __init__(self, options=None, sleep=time.sleep):
        super().__init__(options or DiagnosticsOptions())
        self.sample_seconds = self.options.sample_seconds
        self._sleep = sleep

    def _poll(self, cloud, ids):
        samples = {}
        stamp = {}
        problems = []
        for server_id in ids:
            try:
                samples[server_id] = cloud.servers.diagnostics(server_id)
            except exceptions.CloudError as exc:
                problems.append(Problem(
                    'no-diagnostics', f'{exc}; flavor used', server_id))
            stamp[server_id] = time.monotonic()
        return samples, stamp, problems

    def usage(self, cloud, servers):
        active = [s.id for s in servers if s.movable_status]
        first, t0, problems = self._poll(cloud, active)
        self._sleep(self.sample_seconds)
        second, t1, more = self._poll(cloud, [i for i in active
                                              if i in first])
        problems.extend(more)
        result = {}
        for server_id in second:
            cpu = busy_vcpus(cpu_time_ns(first[server_id]),
                             cpu_time_ns(second[server_id]),
                             t1[server_id] - t0[server_id])
            mem = memory_used(second[server_id])
            if cpu is None or mem is None:
                problems.append(Problem(
                    'bad-diagnostics', 'no usable cpu_details time or '
                    'memory_details used; flavor used', server_id))
                continue
            result[server_id] = base.ServerUsage(cpu=cpu, mem_mb=mem)
        return base.UsageReport(result, problems)
