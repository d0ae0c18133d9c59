"""The scoring of strategy ``paper`` (section 2.3 of the paper, see
doc/strategies.md), shared by the registered fast planner
(strategies/paper_fast.py) and the straightforward test oracle
(tests/unit/paper_oracle.py): the weights C_x = 1/mu_x^2, the scan of one
hot host's (master, target) pairs for the smallest

    c = [C_mem*t.mem*(diff_mem + t.mem) + C_cpu*t.cpu*(diff_cpu + t.cpu)]
        / t.datasize,

the migration record of a chosen move, and why a hot host is stuck.
Everything works on a ``core.load.LoadState``.

Ties keep the first candidate found, scanning targets j in snapshot order
and, for each j, the masters on i in snapshot order: the first target wins,
then the first server.
"""

from nova_hotspot.core import plan as plan_mod
from nova_hotspot.core import words


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


def best_move(state, hi, c_cpu, c_mem, targets=None, masters=None):
    """(score, server position, target position) of the smallest c for
    hot host ``hi``, or None when no move is allowed. ``targets`` (host
    positions in snapshot order) and ``masters`` (server positions on
    ``hi`` in snapshot order) limit the scan; by default every host and
    every master on ``hi`` that may move."""
    cluster = state.cluster
    mem_cap_i = state.mem_cap_of(hi)
    cpu_cap_i = state.cpu_cap_of(hi)
    if masters is None:
        masters = [si for si in state.residents[hi]
                   if cluster.servers[si].is_master
                   and cluster.servers[si].movable]
    if targets is None:
        targets = range(len(cluster.hosts))
    best = None
    for hj in targets:
        if hj == hi or not cluster.hosts[hj].enabled:
            continue
        mem_cap_j = state.mem_cap_of(hj)
        cpu_cap_j = state.cpu_cap_of(hj)
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


def migration(state, hi, score, si, hj):
    """Move server ``si`` from hot host ``hi`` to ``hj`` on ``state`` and
    return the Migration, its reason in words and its score c (the score
    stays out of the reason: it means nothing to an operator)."""
    cluster = state.cluster
    server = cluster.servers[si]
    source, target = cluster.hosts[hi], cluster.hosts[hj]
    before = words.state_usage(state, hi)
    state.move(si, hj)
    reason = (f'master alone cures {source.name} ({before} -> '
              f'{words.state_usage(state, hi)}); {target.name} stays '
              f'under both thresholds ({words.state_usage(state, hj)})')
    return plan_mod.Migration(server.id, source.name, target.name,
                              reason, score)


def why_stuck(state, hi):
    """Why hot host ``hi`` got no move, in words."""
    cluster = state.cluster
    masters = [cluster.servers[si] for si in state.residents[hi]
               if cluster.servers[si].is_master]
    if not masters:
        return 'no master on the host (the paper moves only masters)'
    movable = [t for t in masters if t.movable]
    if not movable:
        return 'its masters may not move (not ACTIVE or pinned)'
    curing = [t for t in movable
              if t.mem + state.mem_cap_of(hi) > 0
              and t.cpu + state.cpu_cap_of(hi) > 0]
    if not curing:
        return ('no single master cures it: none whose move brings both '
                'CPU and memory under the thresholds')
    return ('no target: every other host either lacks room to stay '
            'under both thresholds or holds a member of the master\'s '
            'group')
