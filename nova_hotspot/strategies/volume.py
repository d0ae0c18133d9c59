"""Strategy ``volume``: Sandpiper's hotspot mitigation (Wood et al.,
NSDI'07), the classic baseline, plus the group rule.

* A host's volume is 1 / ((1 - cpu) (1 - mem)), cpu and mem its
  utilisations (use / capacity, capped just under 1); a server's volume is
  the same with its own use over its host's capacity, and its
  volume-to-size ratio (VSR) is its volume over the data a migration
  copies.
* Hot hosts are taken hottest (highest volume) first. From each, the
  server with the highest VSR moves to the least-volume host where it fits
  (that host stays under both thresholds) and that holds no member of its
  group; a server that fits nowhere is skipped; this repeats until the host
  is no longer hot or no server is left.

Being Sandpiper, it folds both resources into one number: it moves servers
that do not use the hot resource at all (the paper's "mis-migration") and
may leave a host partly relieved but still hot. Only movable servers move,
only to enabled hosts; hosts that shed load are never targets.
"""

import numpy

from nova_hotspot.core import load
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.strategies import base

#: Utilisation is capped here: volume is infinite at 1.
_FULL = 0.999

#: Slack under a limit that absorbs float rounding (relative to it).
_ROUNDING = 1e-9


def _volume(cpu_util, mem_util):
    cpu = numpy.minimum(numpy.maximum(cpu_util, 0.0), _FULL)
    mem = numpy.minimum(numpy.maximum(mem_util, 0.0), _FULL)
    return 1.0 / ((1.0 - cpu) * (1.0 - mem))


class VolumeStrategy(base.Strategy):
    """Sandpiper's volume-based migration; see the module docstring."""

    name = 'volume'

    def plan(self, cluster, sources=None):
        state = load.LoadState(cluster)
        acting = base.actionable(cluster, sources)
        hosts = cluster.hosts
        servers = cluster.servers
        vcpus = numpy.array([max(h.vcpus, 1e-9) for h in hosts])
        memory = numpy.array([max(h.memory_mb, 1e-9) for h in hosts])
        tol_cpu = _ROUNDING * numpy.maximum(state.cpu_limit_array, 1.0)
        tol_mem = _ROUNDING * numpy.maximum(state.mem_limit_array, 1.0)

        def host_volume():
            return _volume(
                (state.cpu_limit_array - state.cpu_cap) / vcpus,
                (state.mem_limit_array - state.mem_cap) / memory)
        hot = [hi for hi in state.hot_hosts() if acting[hi]]
        state.track_groups_of(hot)
        target_ok = state.enabled & (state.cpu_cap >= 0) \
            & (state.mem_cap >= 0)
        target_ok[hot] = False
        volumes = host_volume()
        migrations = []
        for hi in sorted(hot, key=lambda hi: (-volumes[hi], hi)):
            def vsr(si, hi=hi):
                s = servers[si]
                v = float(_volume(numpy.float64(s.cpu / vcpus[hi]),
                                  numpy.float64(s.mem / memory[hi])))
                return v / s.data_mb
            queue = sorted((si for si in state.residents[hi]
                            if servers[si].movable),
                           key=lambda si: (-vsr(si), si))
            moved = 0
            for si in queue:
                if not state.is_hot(hi):
                    break
                s = servers[si]
                fits = target_ok & (state.cpu_cap - tol_cpu >= s.cpu) \
                    & (state.mem_cap - tol_mem >= s.mem)
                for hm in state.member_hosts(s.group):
                    fits[hm] = False
                if not fits.any():
                    continue
                volumes = host_volume()
                hj = int(numpy.argmin(numpy.where(fits, volumes, numpy.inf)))
                state.move(si, hj)
                moved += 1
                migrations.append(plan_mod.Migration(
                    s.id, hosts[hi].name, hosts[hj].name,
                    f'move {moved} off {hosts[hi].name}: the highest '
                    f'volume-to-size server left; {hosts[hj].name} is the '
                    f'least-volume host it fits on', vsr(si)))
        unresolved = tuple(
            plan_mod.Unresolved(hosts[hi].name,
                                'no server left that fits on another host'
                                if acting[hi] else base.NOT_A_SOURCE)
            for hi in state.hot_hosts())
        return plan_mod.Plan(self.name, tuple(migrations), unresolved)
