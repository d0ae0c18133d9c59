"""Strategy ``cure``: cure every hot host with the set of live migrations
that copies the least data.

It keeps the paper's principles and removes its limits (see
doc/strategies.md):

* each resource is judged on its own: a host is hot when its CPU *or* its
  memory use passes its limit, and a hot host is cured when every resource
  is back under its limit;
* several moves per hot host when one is not enough: for each hot host a
  branch-and-bound search finds the set of its servers whose removal cures
  it with the least data copied (then the fewest moves), up to
  ``max_moves_per_host`` moves;
* masters, slaves and ungrouped servers may all move, as ``movable_roles``
  allows; the group rule holds for every role: no server lands on a host
  holding another member of its group (nor two members of one group on the
  same target);
* the cost is data copied, a quantity whose meaning never flips: the
  paper's "c / datasize" rewards big servers when c > 0 and small ones when
  c < 0;
* no mis-migration: only servers with some use of a resource that is over
  its limit are candidates, and only *minimal* sets are kept (no member can
  be dropped and the rest still cure), so every move, whatever the order,
  lowers a resource still over its limit on the source;
* a margin on the source, too: a cured host is left ``source_margin`` (a
  fraction of its limit) under its limit on each resource it was hot on,
  so that noisy use does not flip it back next cycle; when no allowed set
  reaches that margin, the host is cured to its limit (curing wins);
* no new hotspot, with headroom: a target must stay ``headroom`` (a
  fraction of its limit) under each limit after the move, so that it does
  not turn hot with the next bit of load. Only when a host cannot be cured
  that way are targets filled up to their limits (a cured hotspot is worth
  more than the margin). Hosts that shed load this cycle are never
  targets;
* among the hosts that can take a server, the target is the one that
  lowers the paper's imbalance sigma^2 the most (the most weighted room).

Only movable servers (ACTIVE, not pinned) move, and only to enabled hosts.
A hot host no allowed set can cure is left untouched (no partial moves,
which would copy data and leave it hot) and reported as unresolved.
"""

import math

import numpy

from nova_hotspot import exceptions
from nova_hotspot.core import model
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.strategies import arrays
from nova_hotspot.strategies import base

ROLE_NAMES = {'master': model.Role.MASTER, 'slave': model.Role.SLAVE,
              'none': None}

#: Slack under a limit that absorbs float rounding between the search's
#: sums and the validator's move-by-move replay (relative to the limit).
_ROUNDING = 1e-9

#: How many of the cheapest curing sets the second search of a host keeps,
#: to fall back on when the cheapest set's servers do not all find a
#: target (the first search keeps only the cheapest).
_KEEP = 8

#: The search stops improving once no branch can beat the best set found
#: by more than this fraction of data: near-ties of many small servers
#: otherwise cost exponential time for a fraction of a percent.
_GAP = 0.005

#: Hosts with more candidates than this skip the vectorised pair seed.
_SEED_MAX = 300

#: Targets are first sought among the _ROOMY hosts with the most relative
#: CPU room, most relative memory room and most weighted room (each), a
#: list refreshed every _ROOMY_REFRESH cured hosts; all hosts otherwise.
_ROOMY = 256
_ROOMY_REFRESH = 32

#: Default of the ``source_margin`` option (fraction of a limit a cured
#: host is left under it on its hot resources); chosen from the multi-cycle
#: simulation, see doc/benchmarks.md.
DEFAULT_SOURCE_MARGIN = 0.05

#: Bounds on one hot host's share of the search_nodes budget.
_HOST_NODES_MIN = 200
_HOST_NODES_MAX = 50000


def _option_error(option, problem):
    return exceptions.ConfigError(f'strategy cure: option {option} {problem}')


def _parse_roles(value):
    if isinstance(value, str):
        value = [v.strip() for v in value.split(',') if v.strip()]
    try:
        names = list(value)
    except TypeError:
        raise _option_error('movable_roles', f'must be a list of role names '
                            f'(master, slave, none), got {value!r}') from None
    if not names:
        raise _option_error('movable_roles', 'must name at least one role '
                            '(master, slave, none)')
    for name in names:
        if name not in ROLE_NAMES:
            raise _option_error('movable_roles', f'has unknown role {name!r}'
                                f' (known: master, slave, none)')
    return frozenset(ROLE_NAMES[n] for n in names)


def _parse_number(option, value, low, high, integer=False):
    kind = 'an integer' if integer else 'a number'
    if isinstance(value, str):
        try:
            value = int(value) if integer else float(value)
        except ValueError:
            raise _option_error(option, f'must be {kind}, got {value!r}') \
                from None
    if isinstance(value, bool) or not isinstance(
            value, int if integer else (int, float)) \
            or not math.isfinite(value) or not low <= value <= high:
        raise _option_error(option, f'must be {kind} in [{low}, {high}], '
                            f'got {value!r}')
    return value


class _Candidate:
    """A server that could leave a hot host, as the search sees it."""

    __slots__ = ('si', 'server', 'data', 'cpu', 'mem', 'cost')

    def __init__(self, si, server):
        self.si = si
        self.server = server
        self.data = server.data_mb
        self.cpu = server.cpu
        self.mem = server.mem
        self.cost = self.data   # data plus the per-move overhead, see _cure


class _CoverSearch:
    """Branch and bound over one hot host's candidates: the cheapest sets
    (by cost: data plus a fixed overhead per move) whose removal brings
    CPU and memory down by at least ``need_cpu`` and ``need_mem`` (<= 0:
    no need), up to ``max_moves``.

    Candidates are tried cheapest per unit of need first. A branch that may
    take only candidates k, k+1, ... is cut when it cannot cover the need,
    or when the data it already holds plus the fractional-knapsack bound of
    the data still needed (per resource: the cheapest data per unit first,
    the last one in part) cannot beat the ``keep``-th set found by more
    than ``_GAP``. The bound only grows with k, so the scan of a level
    stops at the first cut.
    """

    def __init__(self, items, need_cpu, need_mem, max_moves, node_limit,
                 keep):
        self.need_cpu = need_cpu
        self.need_mem = need_mem
        self.max_moves = max_moves
        self.nodes_left = node_limit
        self.keep = keep

        def share(c):
            s = 0.0
            if need_cpu > 0:
                s += min(c.cpu, need_cpu) / need_cpu
            if need_mem > 0:
                s += min(c.mem, need_mem) / need_mem
            return s
        self.items = sorted(items, key=lambda c: (c.cost / share(c)
                                                  if share(c) else math.inf))
        # For each start k, the candidates k, k+1, ... by data per unit of
        # CPU (resp. memory), for the fractional bound.
        self.cpu_ladder = self._ladders('cpu') if need_cpu > 0 else None
        self.mem_ladder = self._ladders('mem') if need_mem > 0 else None
        self.kept = []   # (cost, moves, items) cheapest first
        self.bar = math.inf   # what a branch must beat to be explored

    def _ladders(self, resource):
        ladders = []
        rungs = []
        for c in reversed(self.items):
            use = getattr(c, resource)
            if use > 0:
                rungs.append((c.cost / use, use))
                rungs.sort()
            ladders.append(tuple(rungs))
        ladders.reverse()
        ladders.append(())
        return ladders

    @staticmethod
    def _least_data(ladder, need):
        """Least cost that covers ``need`` if servers could move in part
        (inf when even all of them cannot)."""
        cost = 0.0
        for per_unit, use in ladder:
            if use >= need:
                return cost + need * per_unit
            cost += use * per_unit
            need -= use
        return math.inf

    def run(self):
        self._seed()
        self._extend(0, self.need_cpu, self.need_mem, 0.0, [])
        if not self.kept and self.nodes_left < 0:
            self._greedy()
        return self.kept

    def _seed(self):
        """Start from the cheapest single server and the cheapest pair that
        cure (exact, vectorised): most hot hosts need one or two moves, and
        a good first bar cuts the branches of many small servers early."""
        items = self.items
        if not items or len(items) > _SEED_MAX:
            return
        cost = numpy.array([c.cost for c in items])
        cpu = numpy.array([c.cpu for c in items])
        mem = numpy.array([c.mem for c in items])
        alone = (cpu >= self.need_cpu) & (mem >= self.need_mem)
        if alone.any():
            k = int(numpy.argmin(numpy.where(alone, cost, numpy.inf)))
            self._keep(float(cost[k]), [items[k]])
        pair_cost = cost[:, None] + cost[None, :]
        cures = (cpu[:, None] + cpu[None, :] >= self.need_cpu) \
            & (mem[:, None] + mem[None, :] >= self.need_mem) \
            & ~alone[:, None] & ~alone[None, :]
        cures &= numpy.triu(cures, 1)
        if cures.any():
            flat = int(numpy.argmin(numpy.where(cures, pair_cost,
                                                numpy.inf)))
            i, j = divmod(flat, len(items))
            self._keep(float(cost[i] + cost[j]), [items[i], items[j]])

    def _greedy(self):
        """When the budget ran out before any set: take candidates in
        search order while they lower a need still open, then keep the set
        if it cures (``_keep`` drops it unless it is minimal: trim first).
        """
        rem_cpu, rem_mem = self.need_cpu, self.need_mem
        chosen = []
        for c in self.items:
            if (rem_cpu > 0 and c.cpu > 0) or (rem_mem > 0 and c.mem > 0):
                chosen.append(c)
                rem_cpu -= c.cpu
                rem_mem -= c.mem
                if rem_cpu <= 0 and rem_mem <= 0:
                    break
        if rem_cpu > 0 or rem_mem > 0:
            return
        for c in sorted(chosen, key=lambda c: -c.cost):
            if rem_cpu + c.cpu <= 0 and rem_mem + c.mem <= 0:
                chosen.remove(c)
                rem_cpu += c.cpu
                rem_mem += c.mem
        if len(chosen) <= self.max_moves:
            self._keep(sum(c.cost for c in chosen), chosen)

    def _extend(self, start, rem_cpu, rem_mem, cost, chosen):
        items = self.items
        least = self._least_data
        cpu_ladder, mem_ladder = self.cpu_ladder, self.mem_ladder
        for k in range(start, len(items)):
            self.nodes_left -= 1
            if self.nodes_left < 0:
                return
            bound = cost
            if rem_cpu > 0:
                rungs = cpu_ladder[k]
                # Usually the cheapest rung alone covers: skip the walk.
                if rungs and rungs[0][1] >= rem_cpu:
                    bound = cost + rem_cpu * rungs[0][0]
                else:
                    bound = cost + least(rungs, rem_cpu)
            if rem_mem > 0:
                rungs = mem_ladder[k]
                if rungs and rungs[0][1] >= rem_mem:
                    mem_bound = cost + rem_mem * rungs[0][0]
                else:
                    mem_bound = cost + least(rungs, rem_mem)
                if mem_bound > bound:
                    bound = mem_bound
            if bound > self.bar or bound == math.inf:
                return   # the bound only grows with k
            c = items[k]
            cpu, mem = rem_cpu - c.cpu, rem_mem - c.mem
            chosen.append(c)
            if cpu <= 0 and mem <= 0:
                self._keep(cost + c.cost, chosen)
            elif len(chosen) < self.max_moves:
                self._extend(k + 1, cpu, mem, cost + c.cost, chosen)
            chosen.pop()

    def _keep(self, cost, chosen):
        if cost > self.bar:
            return
        # Only minimal sets: a member that could be dropped would be moved
        # for nothing (a mis-migration once the rest has cured the host).
        cpu = sum(c.cpu for c in chosen)
        mem = sum(c.mem for c in chosen)
        for c in chosen:
            if cpu - c.cpu >= self.need_cpu and mem - c.mem >= self.need_mem:
                return
        self.kept.append((cost, len(chosen), tuple(chosen)))
        self.kept.sort(key=lambda kept: (kept[0], kept[1]))
        del self.kept[self.keep:]
        if len(self.kept) >= self.keep:
            self.bar = self.kept[-1][0] / (1.0 + _GAP)


class CureStrategy(base.Strategy):
    """Cure each hot host with the least data moved; see the module
    docstring."""

    name = 'cure'

    def __init__(self, movable_roles=('master', 'slave', 'none'),
                 headroom=0.05, max_moves_per_host=16, move_overhead=0.02,
                 search_nodes=100000, source_margin=DEFAULT_SOURCE_MARGIN):
        self.movable_roles = _parse_roles(movable_roles)
        self.headroom = float(_parse_number('headroom', headroom, 0.0, 0.5))
        self.source_margin = float(_parse_number(
            'source_margin', source_margin, 0.0, 0.5))
        self.move_overhead = float(_parse_number(
            'move_overhead', move_overhead, 0.0, 10.0))
        self.max_moves_per_host = _parse_number(
            'max_moves_per_host', max_moves_per_host, 1, 100, integer=True)
        # The search budget of one plan, shared by its hot hosts: a few hot
        # hosts are searched (almost) exhaustively, thousands get a bounded
        # search each, so that planning time stays flat.
        self.search_nodes = _parse_number('search_nodes', search_nodes, 1,
                                          10 ** 9, integer=True)

    def plan(self, cluster, sources=None):
        return _Planner(self, cluster, sources).run()


class _Planner:
    """One planning run: the state, the target arrays, the moves."""

    def __init__(self, strategy, cluster, sources):
        self.strategy = strategy
        self.cluster = cluster
        self.state = arrays.ArrayState(cluster)
        self.acting = base.actionable(cluster, sources)
        state = self.state
        n = len(cluster.hosts)
        # Targets: enabled hosts that are not hot now; a host that sheds
        # load this cycle is never a target either.
        self.target_ok = state.enabled & (state.cpu_cap >= 0) \
            & (state.mem_cap >= 0)
        # The paper's sigma^2 weights are 1/mean(cap)^2, which break when
        # the mean cap is 0 or negative; the mean limit normalises the two
        # resources just as well and is always positive.
        self.w_cpu = _inverse_square(sum(state.cpu_limit) / n if n else 0.0)
        self.w_mem = _inverse_square(sum(state.mem_limit) / n if n else 0.0)
        self.hard_cpu = _ROUNDING * numpy.maximum(state.cpu_limit_array, 1.0)
        self.hard_mem = _ROUNDING * numpy.maximum(state.mem_limit_array, 1.0)
        self.margins = [(self.hard_cpu, self.hard_mem, 0.0)]
        if strategy.headroom > 0:
            self.margins.insert(0, (
                strategy.headroom * state.cpu_limit_array + self.hard_cpu,
                strategy.headroom * state.mem_limit_array + self.hard_mem,
                strategy.headroom))
        self.migrations = []
        self.why = {}
        self.roomy = None
        self.commits_since_roomy = 0

    def run(self):
        state, cluster = self.state, self.cluster
        hot = [hi for hi in state.hot_hosts() if self.acting[hi]]
        state.track_groups_of(hot)

        # Worst first: the most overloaded hosts get the first pick of
        # targets.
        def overload(hi):
            return max(-state.cpu_cap_of(hi) / max(state.cpu_limit[hi], 1e-9),
                       -state.mem_cap_of(hi) / max(state.mem_limit[hi], 1e-9))
        self.host_nodes = min(_HOST_NODES_MAX, max(
            _HOST_NODES_MIN, self.strategy.search_nodes // max(1, len(hot))))
        for hi in sorted(hot, key=lambda hi: (-overload(hi), hi)):
            self.target_ok[hi] = False
            self._cure(hi)
            if state.cpu_cap_of(hi) < 0 or state.mem_cap_of(hi) < 0:
                # The search covers the exact excess, so a host can end a
                # rounding error over its limit: one more, tiny, cure.
                self._cure(hi)
        unresolved = []
        for hi in state.hot_hosts():
            if not self.acting[hi]:
                reason = base.NOT_A_SOURCE
            else:
                reason = self.why.get(hi, 'still hot after its moves '
                                          '(rounding)')
            unresolved.append(plan_mod.Unresolved(cluster.hosts[hi].name,
                                                  reason))
        return plan_mod.Plan(self.strategy.name, tuple(self.migrations),
                             tuple(unresolved),
                             source_margin=self.strategy.source_margin)

    def _cure(self, hi):
        state, strategy = self.state, self.strategy
        cpu_over = state.cpu_cap_of(hi) < 0
        mem_over = state.mem_cap_of(hi) < 0
        servers = self.cluster.servers
        candidates = []
        for si in state.residents[hi]:
            s = servers[si]
            if s.movable and s.role in strategy.movable_roles and (
                    (cpu_over and s.cpu > 0) or (mem_over and s.mem > 0)):
                candidates.append(_Candidate(si, s))
        if not candidates:
            self.why[hi] = ('no server that may move (movable roles: '
                            f'{_roles_text(strategy.movable_roles)}) uses '
                            'the hot resource')
            return
        # First leave the host source_margin under its limits on the
        # resources it is hot on; when no allowed set gets it that far,
        # cure it to its limits (a cured hotspot is worth more).
        margins = [0.0]
        if strategy.source_margin > 0:
            margins.insert(0, strategy.source_margin)
        for margin in margins:
            need_cpu = self._need(hi, 'cpu', cpu_over, margin)
            need_mem = self._need(hi, 'mem', mem_over, margin)
            if sum(c.cpu for c in candidates) < need_cpu \
                    or sum(c.mem for c in candidates) < need_mem:
                self.why[hi] = ('even moving every server that may move '
                                'would leave it over its threshold')
                continue
            if self._cure_to(hi, candidates, need_cpu, need_mem, margin):
                return
            self.why[hi] = (f'no set of at most '
                            f'{strategy.max_moves_per_host} moves cures it '
                            'with every server on a host that stays under '
                            'its thresholds and holds no other member of '
                            'its group')

    def _need(self, hi, resource, over, margin):
        """How much of ``resource`` host ``hi`` must shed: down to
        (1 - margin) x its limit, not under it (margin 0: a host exactly at
        its threshold is not hot; a move beyond the level would lower no
        resource that still needs it, a mis-migration)."""
        if not over:
            return 0.0
        used = getattr(self.state, f'{resource}_used')[hi]
        limit = getattr(self.state, f'{resource}_limit')[hi]
        if not margin:
            return used - limit
        return used - (1.0 - margin) * limit

    def _cure_to(self, hi, candidates, need_cpu, need_mem, source_margin):
        """Find and commit the cheapest placeable set shedding the needs;
        False when there is none."""
        strategy = self.strategy
        # Every live migration has a fixed price beyond the data it copies
        # (scheduling, a pause, a risk of failing): a set with one move
        # more must save more than move_overhead of the least data that
        # could cure this host. It also keeps sets of many small servers,
        # nearly tied on data, from costing exponential search.
        overhead = strategy.move_overhead * _least_data_bound(
            candidates, need_cpu, need_mem)
        for c in candidates:
            c.cost = c.data + overhead
        excluded = set()   # servers found to fit on no target at all
        for cpu_margin, mem_margin, headroom in self.margins:
            while True:
                pool = [c for c in candidates if c.si not in excluded]
                for keep in (1, _KEEP):
                    kept = _CoverSearch(pool, need_cpu, need_mem,
                                        strategy.max_moves_per_host,
                                        self.host_nodes, keep).run()
                    for _cost, _moves, chosen in kept:
                        targets = self._assign(chosen, cpu_margin,
                                               mem_margin)
                        if targets is not None:
                            self._commit(hi, chosen, targets, headroom,
                                         source_margin)
                            return True
                # No kept set could be placed. Drop the servers that fit
                # nowhere on their own and search again; stop when none is.
                homeless = {c.si for _, _, chosen in kept for c in chosen
                            if c.si not in excluded
                            and self._assign((c,), cpu_margin,
                                             mem_margin) is None}
                if not homeless:
                    break
                excluded |= homeless
            excluded = set()
        return False

    def _assign(self, chosen, cpu_margin, mem_margin):
        """A target per server of ``chosen`` (largest first, each to the
        allowed host with the most weighted room), or None. The caps are
        changed while assigning and restored exactly afterwards."""
        state = self.state
        cpu_cap, mem_cap = state.cpu_cap, state.mem_cap
        w_cpu, w_mem = self.w_cpu, self.w_mem
        order = sorted(chosen, key=lambda c: -(w_cpu * c.cpu * c.cpu
                                              + w_mem * c.mem * c.mem))
        saved = []
        taken_by_group = {}
        targets = {}
        try:
            for c in order:
                group = c.server.group
                banned = list(state.member_hosts(group)) + \
                    taken_by_group.get(group, [])
                hj = self._best_target(self._roomy(), c, cpu_margin,
                                       mem_margin, banned)
                if hj is None:
                    hj = self._best_target(None, c, cpu_margin, mem_margin,
                                           banned)
                if hj is None:
                    return None
                targets[c.si] = hj
                if group is not None:
                    taken_by_group.setdefault(group, []).append(hj)
                saved.append((hj, cpu_cap[hj], mem_cap[hj]))
                cpu_cap[hj] -= c.cpu
                mem_cap[hj] -= c.mem
            return [targets[c.si] for c in chosen]
        finally:
            for hj, cpu, mem in reversed(saved):
                cpu_cap[hj] = cpu
                mem_cap[hj] = mem

    def _roomy(self):
        """The hosts with the most room (the first place to look for a
        target: the best one is nearly always there), refreshed as moves
        fill them."""
        if self.roomy is None or self.commits_since_roomy >= _ROOMY_REFRESH:
            state = self.state
            n = len(state.cpu_cap)
            if n <= _ROOMY:
                self.roomy = numpy.flatnonzero(self.target_ok)
            else:
                picks = []
                for room in (state.cpu_cap / state.cpu_limit_array.clip(1e-9),
                             state.mem_cap / state.mem_limit_array.clip(1e-9),
                             self.w_cpu ** 0.5 * state.cpu_cap
                             + self.w_mem ** 0.5 * state.mem_cap):
                    room = numpy.where(self.target_ok, room, -numpy.inf)
                    picks.append(numpy.argpartition(-room, _ROOMY)[:_ROOMY])
                chosen = numpy.zeros(n, dtype=bool)
                for pick in picks:
                    chosen[pick] = True
                self.roomy = numpy.flatnonzero(chosen & self.target_ok)
            self.commits_since_roomy = 0
        return self.roomy

    def _best_target(self, among, c, cpu_margin, mem_margin, banned):
        """The allowed host (of ``among``, or of all hosts when None) with
        the most weighted room for server ``c``, or None."""
        state = self.state
        if among is None:
            among = numpy.flatnonzero(self.target_ok)
        cpu_cap = state.cpu_cap[among]
        mem_cap = state.mem_cap[among]
        fits = self.target_ok[among] & (cpu_cap - cpu_margin[among] >= c.cpu) \
            & (mem_cap - mem_margin[among] >= c.mem)
        for hb in banned:
            fits &= among != hb
        if not fits.any():
            return None
        score = numpy.where(fits, self.w_cpu * c.cpu * cpu_cap
                            + self.w_mem * c.mem * mem_cap, -numpy.inf)
        return int(among[int(numpy.argmax(score))])

    def _commit(self, hi, chosen, targets, headroom, source_margin=0.0):
        state, cluster = self.state, self.cluster
        data = sum(c.data for c in chosen)
        source = cluster.hosts[hi]
        hot = ' and '.join(r for r, over in (
            ('CPU', state.cpu_cap_of(hi) < 0),
            ('memory', state.mem_cap_of(hi) < 0)) if over)
        before = _usage(state, hi)
        pairs = sorted(zip(chosen, targets), key=lambda p: -(
            self.w_cpu * p[0].cpu * p[0].cpu + self.w_mem * p[0].mem
            * p[0].mem))
        done = []
        for c, hj in pairs:
            state.move(c.si, hj)
            done.append((c, hj))
        after = _usage(state, hi)
        self.commits_since_roomy += 1
        margin = (f'keeps {headroom:.0%} headroom' if headroom
                  else 'stays under its thresholds (no target had room for '
                       'the headroom)')
        cures = (f'leaves it {source_margin:.0%} under its {hot} '
                 'threshold' if source_margin else 'cures it')
        for c, hj in done:
            role = c.server.role.value if c.server.role else 'ungrouped'
            self.migrations.append(plan_mod.Migration(
                c.server.id, source.name, cluster.hosts[hj].name,
                f'{role} server {c.server.id} (cpu {c.cpu:.6g}, mem '
                f'{c.mem:.6g}) lowers {hot} on {source.name}: one of '
                f'{len(done)} move(s) copying {data:.6g} MB, the least data '
                f'that {cures} ({before} -> {after}); '
                f'{cluster.hosts[hj].name} {margin} and holds no member of '
                f'its group',
                data))


def _least_data_bound(candidates, need_cpu, need_mem):
    """The least data that could cure the host if servers could move in
    part (the larger of the two resources' fractional bounds)."""
    bound = 0.0
    for resource, need in (('cpu', need_cpu), ('mem', need_mem)):
        if need <= 0:
            continue
        rungs = sorted((c.data / getattr(c, resource), getattr(c, resource))
                       for c in candidates if getattr(c, resource) > 0)
        bound = max(bound, _CoverSearch._least_data(rungs, need))
    return bound if math.isfinite(bound) else 0.0


def _inverse_square(mean):
    return 1.0 / (mean * mean) if mean > 0 else 1.0


def _roles_text(roles):
    return ', '.join(sorted(name for name, role in ROLE_NAMES.items()
                            if role in roles))


def _usage(state, hi):
    return (f'cpu {state.cpu_used[hi]:.6g}/{state.cpu_limit[hi]:.6g}, '
            f'mem {state.mem_used[hi]:.6g}/{state.mem_limit[hi]:.6g}')
