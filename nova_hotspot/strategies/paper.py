"""Strategy ``paper``: section 2.3 of "A hotspot migration strategy for
cloud resource scheduling", exactly as written (see doc/strategies.md).

1. Take hosts in snapshot order; host i is a hotspot when memCap_i < 0 or
   cpuCap_i < 0 (cap = threshold x capacity - summed use).
2. Every other host j with memCap_j > 0 and cpuCap_j > 0 is a candidate
   target; diff_x = cap_x(i) - cap_x(j).
3. Every master t on i whose group has no member on j, with
   t.mem + memCap_i > 0 and t.cpu + cpuCap_i > 0 (moving t alone cures i)
   and memCap_j - t.mem > 0 and cpuCap_j - t.cpu > 0 (j stays under both
   thresholds) is scored
   c = [C_mem*t.mem*(diff_mem + t.mem) + C_cpu*t.cpu*(diff_cpu + t.cpu)]
       / t.datasize,   C_x = 1 / mu_x^2, mu_x the mean cap over all hosts.
4. The smallest c over all (t, j) is moved, both hosts' usage updated, and
   the scan starts again at the first host.

Ties keep the first candidate found, scanning targets j in snapshot order
and, for each j, the masters on i in snapshot order: the first target wins,
then the first server. Since mu_x does not change when a server moves, the
weights are computed once.

This is the straightforward implementation, kept as the test oracle: the
registered ``paper`` plugin is strategies/paper_fast.py, which must return
exactly the same plans (tests/unit/test_paper_fast.py).

Beyond the paper: only servers that may move (ACTIVE, not pinned) are
considered, and disabled hosts are never targets. Snapshots in the plain
format have neither, so on them this is the paper's algorithm unchanged.
"""

import math

from nova_hotspot.core import model
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.strategies import base


def resource_weights(state):
    """The paper's normalising weights (C_cpu, C_mem) = 1/mu^2.

    mu_x is the mean spare capacity over all hosts. When it is 0 (the hosts
    are on average exactly at their thresholds) 1/mu^2 is infinite; the
    weight then falls back to 1/(mean limit)^2, the same normalisation by
    the resource's scale, or to 1 when no host has any of that resource.
    """
    n = len(state.cluster.hosts)
    weights = []
    for limits, used in ((state.cpu_limit, state.cpu_used),
                         (state.mem_limit, state.mem_used)):
        mu = sum(lim - u for lim, u in zip(limits, used)) / n if n else 0.0
        if mu == 0.0:
            mu = sum(limits) / n if n else 0.0
        # (mu * mu can underflow to 0 for a tiny mu: then 1 as well.)
        square = mu * mu
        weights.append(1.0 / square if square != 0.0 else 1.0)
    return tuple(weights)


class PaperStrategy(base.Strategy):
    """The paper's algorithm: one cost-ranked master move per hotspot."""

    name = 'paper'

    def plan(self, cluster, sources=None):
        state = model.LoadState(cluster)
        c_cpu, c_mem = resource_weights(state)
        acting = base.actionable(cluster, sources)
        migrations = []
        while True:
            for hi in range(len(cluster.hosts)):
                if not state.is_hot(hi) or not acting[hi]:
                    continue
                best = self._best_move(state, hi, c_cpu, c_mem)
                if best is not None:
                    migrations.append(self._apply(state, hi, *best))
                    break
            else:
                break
        unresolved = tuple(
            plan_mod.Unresolved(cluster.hosts[hi].name,
                                self._why_stuck(state, hi) if acting[hi]
                                else base.NOT_A_SOURCE)
            for hi in range(len(cluster.hosts)) if state.is_hot(hi))
        return plan_mod.Plan(self.name, tuple(migrations), unresolved)

    @staticmethod
    def _best_move(state, hi, c_cpu, c_mem):
        """(score, server position, target position) of the smallest c for
        hot host ``hi``, or None when no move is allowed."""
        cluster = state.cluster
        mem_cap_i = state.mem_cap(hi)
        cpu_cap_i = state.cpu_cap(hi)
        masters = [si for si in state.residents[hi]
                   if cluster.servers[si].is_master
                   and cluster.servers[si].movable]
        best = None
        for hj in range(len(cluster.hosts)):
            if hj == hi or not cluster.hosts[hj].enabled:
                continue
            mem_cap_j = state.mem_cap(hj)
            cpu_cap_j = state.cpu_cap(hj)
            if not (mem_cap_j > 0 and cpu_cap_j > 0):
                continue
            diff_mem = mem_cap_i - mem_cap_j
            diff_cpu = cpu_cap_i - cpu_cap_j
            for si in masters:
                t = cluster.servers[si]
                if state.group_has_member_on(t.group, hj):
                    continue
                if not (t.mem + mem_cap_i > 0 and t.cpu + cpu_cap_i > 0
                        and mem_cap_j - t.mem > 0 and cpu_cap_j - t.cpu > 0):
                    continue
                c = (c_mem * t.mem * (diff_mem + t.mem)
                     + c_cpu * t.cpu * (diff_cpu + t.cpu)) / t.data_mb
                if best is None or c < best[0]:
                    best = (c, si, hj)
        return best

    @staticmethod
    def _apply(state, hi, score, si, hj):
        cluster = state.cluster
        server = cluster.servers[si]
        source, target = cluster.hosts[hi], cluster.hosts[hj]
        before = _usage(state, hi)
        state.move(si, hj)
        reason = (f'master {server.id} alone cures {source.name} '
                  f'({before} -> {_usage(state, hi)}); {target.name} stays '
                  f'under both thresholds ({_usage(state, hj)}); '
                  f'lowest cost c={score:.6g}')
        return plan_mod.Migration(server.id, source.name, target.name,
                                  reason, score)

    @staticmethod
    def _why_stuck(state, hi):
        cluster = state.cluster
        masters = [cluster.servers[si] for si in state.residents[hi]
                   if cluster.servers[si].is_master]
        if not masters:
            return 'no master on the host (the paper moves only masters)'
        movable = [t for t in masters if t.movable]
        if not movable:
            return 'its masters may not move (not ACTIVE or pinned)'
        curing = [t for t in movable
                  if t.mem + state.mem_cap(hi) > 0
                  and t.cpu + state.cpu_cap(hi) > 0]
        if not curing:
            return ('no single master whose move brings both CPU and memory '
                    'under the thresholds')
        return ('no target: every other host either lacks room to stay '
                'under both thresholds or holds a member of the master\'s '
                'group')


def _usage(state, hi):
    return (f'cpu {_fmt(state.cpu_used[hi])}/{_fmt(state.cpu_limit[hi])}, '
            f'mem {_fmt(state.mem_used[hi])}/{_fmt(state.mem_limit[hi])}')


def _fmt(value):
    return f'{value:.6g}' if not math.isinf(value) else str(value)
