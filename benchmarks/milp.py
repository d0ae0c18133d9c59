"""The exact reference: the least data any set of live migrations can move
so that no host is over a threshold and no group shares a host.

The full problem is a mixed-integer program (``full_milp``, HiGHS through
scipy.optimize.milp):

* x[s, h] = 1 when server s moves to host h (h enabled, h != its host);
  each server moves at most once;
* every host ends with CPU use <= its CPU limit and memory use <= its
  memory limit (hot hosts must be cured, no host may become hot);
* for every group and host, at most one member ends there (or, where the
  snapshot already has several members on one host, no more than it has);
* only movable servers (ACTIVE, not pinned) of the allowed roles move;
* minimise the data copied, sum of data_mb over the moves.

With hundreds of interchangeable targets that program is slow to prove
optimal (minutes for 50 hosts), so ``solve`` decomposes it exactly:

1. a lower bound: forget the targets; each hot host alone must shed enough
   CPU and memory, at least data. That is a small covering knapsack per hot
   host, solved exactly by HiGHS. Their sum bounds any plan from below
   (arrivals on a hot host only add load; moves off a cool host only add
   data);
2. if the chosen servers can all be placed (first-fit, largest first, then
   if needed a placement MILP) with every host under its limits and the
   group rule kept, the bound is reached: that placement is optimal;
3. otherwise ``full_milp`` decides.

With a ``source_margin`` m (strategy cure's option of the same name), a
hot host must end at most (1 - m) x its limit on each resource it was hot
on; a host that cannot get that far even by moving every server that may
move must reach its limit only (cure does the same). A hot host that cannot
be cured even by moving every server that may move is left out (reported
in ``left_hot``); the rest must be cured. The program
looks at the final placement only, so it is a lower bound for any plan of
ordered moves; the plans of the strategies are replayed move by move.
"""

import dataclasses
import time

import numpy
from scipy import optimize
from scipy import sparse

from nova_hotspot.core import load
from nova_hotspot.core import model

ROLES = {'master': model.Role.MASTER, 'slave': model.Role.SLAVE,
         'none': None}


@dataclasses.dataclass(frozen=True)
class Reference:
    """The MILP's answer: ``optimal`` False when it is infeasible or the
    solver stopped early (then the other numbers mean nothing)."""

    optimal: bool
    status: str
    data_moved_mb: float
    moves: int
    assignment: tuple    # (server id, target host name) per move
    seconds: float
    left_hot: tuple = ()   # hot hosts nothing allowed can cure
    method: str = ''


def _state(cluster):
    """The cluster's LoadState with every group's placement tracked."""
    state = load.LoadState(cluster)
    state.track_groups_of(range(len(cluster.hosts)))
    return state


def _allowed(server, roles):
    return server.movable and server.role in roles


def _rounding(limit):
    return 1e-9 * max(limit, 1.0)


def solve(cluster, movable_roles=('master', 'slave', 'none'),
          time_limit=60.0, source_margin=0.0):
    """The exact optimum (see the module docstring) as a Reference."""
    start = time.perf_counter()
    roles = {ROLES[r] for r in movable_roles}
    state = _state(cluster)
    servers = cluster.servers
    chosen = []
    left_hot = []
    # Per host, the CPU and memory use it must end at or under.
    cpu_limit = list(state.cpu_limit)
    mem_limit = list(state.mem_limit)
    for hi in range(len(cluster.hosts)):
        if not state.is_hot(hi):
            continue
        pool = [si for si in state.residents[hi]
                if _allowed(servers[si], roles)]
        for margin in dict.fromkeys((source_margin, 0.0)):
            keep_cpu = state.cpu_limit[hi] * (
                1.0 - margin if state.cpu_over(hi) else 1.0)
            keep_mem = state.mem_limit[hi] * (
                1.0 - margin if state.mem_over(hi) else 1.0)
            picked = _cover(cluster, pool,
                            state.cpu_used[hi] - keep_cpu
                            + _rounding(state.cpu_limit[hi]),
                            state.mem_used[hi] - keep_mem
                            + _rounding(state.mem_limit[hi]))
            if picked is not None:
                chosen.extend(picked)
                cpu_limit[hi], mem_limit[hi] = keep_cpu, keep_mem
                break
        else:
            left_hot.append(hi)
    if not chosen and not left_hot:
        return Reference(True, 'nothing hot', 0.0, 0, (),
                         time.perf_counter() - start, method='none')
    left = tuple(cluster.hosts[hi].name for hi in left_hot)
    limits = (cpu_limit, mem_limit)
    placed = _place(cluster, state, chosen, set(left_hot), time_limit,
                    limits)
    if placed is not None:
        return _reference(cluster, placed, start, left, 'decomposed')
    ref = full_milp(cluster, movable_roles, time_limit, set(left_hot),
                    limits=limits)
    return dataclasses.replace(ref, seconds=time.perf_counter() - start,
                               left_hot=left)


def _reference(cluster, pairs, start, left, method):
    return Reference(
        True, 'optimal',
        float(sum(cluster.servers[si].data_mb for si, _ in pairs)),
        len(pairs),
        tuple((cluster.servers[si].id, cluster.hosts[hj].name)
              for si, hj in pairs),
        time.perf_counter() - start, left, method)


def _cover(cluster, pool, need_cpu, need_mem):
    """Exact least-data subset of ``pool`` shedding the needs, or None."""
    servers = [cluster.servers[si] for si in pool]
    if not servers or sum(s.cpu for s in servers) < need_cpu \
            or sum(s.mem for s in servers) < need_mem:
        return None
    cost = numpy.array([s.data_mb for s in servers])
    matrix = numpy.array([[s.cpu for s in servers],
                          [s.mem for s in servers]])
    result = optimize.milp(
        cost, integrality=numpy.ones(len(servers)),
        bounds=optimize.Bounds(0, 1),
        constraints=optimize.LinearConstraint(
            matrix, [max(need_cpu, 0.0) if need_cpu > 0 else -numpy.inf,
                     max(need_mem, 0.0) if need_mem > 0 else -numpy.inf],
            [numpy.inf, numpy.inf]),
        options={'mip_rel_gap': 0.0})
    if result.status != 0:
        return None
    return [si for si, x in zip(pool, result.x) if x > 0.5]


def _place(cluster, state, chosen, frozen, time_limit, limits):
    """Targets for the servers ``chosen`` to leave, every host under its
    ``limits`` (CPU and memory use per host) and groups apart; first-fit
    largest first, else a placement MILP. None when there is none."""
    servers = cluster.servers
    cpu_limit, mem_limit = limits
    cpu_room = [cpu_limit[h] - state.cpu_used[h]
                - _rounding(state.cpu_limit[h])
                for h in range(len(cluster.hosts))]
    mem_room = [mem_limit[h] - state.mem_used[h]
                - _rounding(state.mem_limit[h])
                for h in range(len(cluster.hosts))]
    members = {}   # group -> Counter of hosts after the departures
    for group, counts in state.group_hosts.items():
        members[group] = dict(counts)
    for si in chosen:
        s, origin = servers[si], state.host_of(si)
        cpu_room[origin] += s.cpu
        mem_room[origin] += s.mem
        if s.group is not None:
            members[s.group][origin] -= 1
    order = sorted(chosen, key=lambda si: -(servers[si].cpu / max(
        1.0, max(state.cpu_limit)) + servers[si].mem / max(
        1.0, max(state.mem_limit))))
    pairs = []
    for si in order:
        s = servers[si]
        for hj, host in enumerate(cluster.hosts):
            if (host.enabled and hj != state.host_of(si)
                    and hj not in frozen
                    and cpu_room[hj] >= s.cpu and mem_room[hj] >= s.mem
                    and (s.group is None or members[s.group].get(hj, 0)
                         == 0)):
                cpu_room[hj] -= s.cpu
                mem_room[hj] -= s.mem
                if s.group is not None:
                    members[s.group][hj] = members[s.group].get(hj, 0) + 1
                pairs.append((si, hj))
                break
        else:
            return _place_milp(cluster, chosen, frozen, time_limit, limits)
    return pairs


def _place_milp(cluster, chosen, frozen, time_limit, limits):
    ref = full_milp(cluster, None, time_limit, frozen, only=chosen,
                    limits=limits)
    if not ref.optimal:
        return None
    index = {s.id: si for si, s in enumerate(cluster.servers)}
    hosts = {h.name: hi for hi, h in enumerate(cluster.hosts)}
    return [(index[sid], hosts[name]) for sid, name in ref.assignment]


def full_milp(cluster, movable_roles=('master', 'slave', 'none'),
              time_limit=60.0, frozen=(), only=None, movers='hot',
              limits=None):
    """The whole program of the module docstring. ``frozen`` hosts keep
    their servers and take none; ``only`` (server positions) fixes which
    servers move (each must move: a placement problem); ``limits`` (CPU
    and memory use per host) replace the hosts' limits as the use each must
    end under (solve's source margin)."""
    start = time.perf_counter()
    roles = {ROLES[r] for r in movable_roles} if movable_roles else None
    state = _state(cluster)
    hosts = cluster.hosts
    n_hosts = len(hosts)
    hot = {hi for hi in range(n_hosts) if state.is_hot(hi)}
    enabled = [hi for hi in range(n_hosts)
               if hosts[hi].enabled and hi not in frozen]
    # Variables: (server position, target host position).
    pairs = []
    must_move = set(only) if only is not None else None
    for si, s in enumerate(cluster.servers):
        origin = state.host_of(si)
        if must_move is not None:
            if si not in must_move:
                continue
        elif not _allowed(s, roles) or origin in frozen or (
                movers == 'hot' and origin not in hot):
            continue
        for hj in enabled:
            if hj != origin:
                pairs.append((si, hj))
    n_vars = len(pairs)
    if not n_vars:
        return Reference(False, 'nothing may move', 0.0, 0, (),
                         time.perf_counter() - start)
    cost = numpy.array([cluster.servers[si].data_mb for si, _ in pairs])
    rows, cols, vals, lower, upper = [], [], [], [], []
    row = 0

    def constraint(entries, lo, hi):
        nonlocal row
        for col, val in entries:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        lower.append(lo)
        upper.append(hi)
        row += 1

    by_server = {}
    for col, (si, _target) in enumerate(pairs):
        by_server.setdefault(si, []).append(col)
    for cols_of in by_server.values():
        constraint([(c, 1.0) for c in cols_of],
                   1.0 if must_move is not None else 0.0, 1.0)
    # Capacity: use after = use before - what leaves + what arrives.
    cpu_limit, mem_limit = limits or (state.cpu_limit, state.mem_limit)
    for resource, used, limit, keep in (
            ('cpu', state.cpu_used, state.cpu_limit, cpu_limit),
            ('mem', state.mem_used, state.mem_limit, mem_limit)):
        per_host = [[] for _ in range(n_hosts)]
        for col, (si, target) in enumerate(pairs):
            use = getattr(cluster.servers[si], resource)
            if use:
                per_host[target].append((col, use))
                per_host[state.host_of(si)].append((col, -use))
        for hi in range(n_hosts):
            slack = keep[hi] - used[hi]
            if hi in frozen:
                continue
            if per_host[hi] or slack < 0:
                constraint(per_host[hi], -numpy.inf,
                           slack - _rounding(limit[hi]))
    # Groups: members ending on a host <= max(1, members there now).
    for group, counts in state.group_hosts.items():
        members = [si for si, s in enumerate(cluster.servers)
                   if s.group == group]
        for hi in range(n_hosts):
            entries = []
            for si in members:
                for col in by_server.get(si, ()):
                    target = pairs[col][1]
                    if target == hi:
                        entries.append((col, 1.0))
                    elif state.host_of(si) == hi:
                        entries.append((col, -1.0))
            now = counts.get(hi, 0)
            if entries:
                constraint(entries, -numpy.inf, max(1, now) - now)
    matrix = sparse.csr_array((vals, (rows, cols)), shape=(row, n_vars))
    result = optimize.milp(
        cost, integrality=numpy.ones(n_vars),
        bounds=optimize.Bounds(0, 1),
        constraints=optimize.LinearConstraint(matrix, lower, upper),
        options={'time_limit': time_limit, 'mip_rel_gap': 1e-6})
    if result.status != 0 or result.x is None:
        return Reference(False, result.message, 0.0, 0, (),
                         time.perf_counter() - start, method='full')
    chosen = [pairs[col] for col in numpy.flatnonzero(result.x > 0.5)]
    return _reference(cluster, chosen, start, (), 'full')
