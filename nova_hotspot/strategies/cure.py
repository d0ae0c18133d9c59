"""Strategy ``cure``: cure every hot host with the set of live migrations
that copies the least data.

It keeps the paper's principles and removes its limits (see
doc/strategies.md):

* each resource is judged on its own: a host is hot when its CPU *or* its
  memory use passes its limit, and a hot host is cured when every resource
  is back under its limit;
* several moves per hot host when one is not enough: for each hot host a
  branch-and-bound search finds the set of its servers whose removal cures
  it with the least data copied (then the fewest moves), with no fixed cap
  on the moves (``max_moves_per_host``, 0 by default: as many as the host
  has candidates); the search's node budget, not the cap, bounds its time;
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


import numpy

from nova_hotspot.core import load
from nova_hotspot.core import model
from nova_hotspot.core import options as options_mod
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.core import words
from nova_hotspot.strategies import base
from nova_hotspot.strategies import cure_search

ROLE_NAMES = {'master': model.Role.MASTER, 'slave': model.Role.SLAVE,
              'none': None}

#: Slack under a limit that absorbs float rounding between the search's
#: sums and the validator's move-by-move replay (relative to the limit).
_ROUNDING = 1e-9

#: How many of the cheapest curing sets the second search of a host keeps,
#: to fall back on when the cheapest set's servers do not all find a
#: target (the first search keeps only the cheapest).
_KEEP = 8

#: Targets are first sought among the _ROOMY hosts with the most relative
#: CPU room, most relative memory room and most weighted room (each), a
#: list refreshed every _ROOMY_REFRESH cured hosts; all hosts otherwise.
_ROOMY = 256
_ROOMY_REFRESH = 32

#: Default of the ``source_margin`` option (fraction of a limit a cured
#: host is left under it on its hot resources); chosen from the multi-cycle
#: simulation, see doc/benchmarks.md.
DEFAULT_SOURCE_MARGIN = 0.05

#: The most moves a set may hold whatever ``max_moves_per_host`` says: the
#: search recurses once per move, and this stays well inside Python's
#: recursion limit (a host needing more is left hot, with the reason).
_MOST_MOVES = 400

#: Bounds on one hot host's share of the search_nodes budget.
_HOST_NODES_MIN = 200
_HOST_NODES_MAX = 50000


#: The options of ``cure``, declared once: they drive parsing, errors and
#: the table of doc/strategies.md.
OPTIONS = (
    options_mod.Option(
        'movable_roles', options_mod.CHOICES, ('master', 'slave', 'none'),
        'roles that may move (`none` = ungrouped)', choices=ROLE_NAMES),
    options_mod.Option(
        'headroom', options_mod.NUMBER, 0.05,
        "fraction of a target's limit to keep free", 0.0, 0.5),
    options_mod.Option(
        'max_moves_per_host', options_mod.INTEGER, 0,
        'most moves off one hot host (0: no fixed cap, as many as it has '
        f'candidates up to {_MOST_MOVES}; search_nodes bounds the time)', 0,
        _MOST_MOVES),
    options_mod.Option(
        'move_overhead', options_mod.NUMBER, 0.02,
        "per-move cost, fraction of the host's least curing data", 0.0,
        10.0),
    options_mod.Option(
        'search_nodes', options_mod.INTEGER, 100000,
        'search budget of one plan, shared by its hot hosts', 1, 10 ** 9),
    options_mod.Option(
        'source_margin', options_mod.NUMBER, DEFAULT_SOURCE_MARGIN,
        'fraction of its limit a cured host is left under it, on each '
        'resource it was hot on', 0.0, 0.5),
)


class CureStrategy(base.Strategy):
    """Cure each hot host with the least data moved; see the module
    docstring."""

    name = 'cure'
    OPTIONS = OPTIONS

    def __init__(self, **options):
        # Options as keyword arguments, strings accepted (config files);
        # see OPTIONS. search_nodes is the budget of one plan, shared by its
        # hot hosts: a few hot hosts are searched (almost) exhaustively,
        # thousands get a bounded search each, so planning time stays flat.
        values = options_mod.parse_options(self.name, OPTIONS, options)
        self.movable_roles = values['movable_roles']
        self.headroom = values['headroom']
        self.max_moves_per_host = values['max_moves_per_host']
        self.move_overhead = values['move_overhead']
        self.search_nodes = values['search_nodes']
        self.source_margin = values['source_margin']

    def plan(self, cluster, sources=None):
        return _Planner(self, cluster, sources).run()


class _Planner:
    """One planning run: the load state, the target arrays, the moves."""

    def __init__(self, strategy, cluster, sources):
        self.strategy = strategy
        self.cluster = cluster
        self.state = load.LoadState(cluster)
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
        self.cured = []
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
            if state.cpu_over(hi) or state.mem_over(hi):
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
                             source_margin=self.strategy.source_margin,
                             cured=tuple(self.cured))

    def _cure(self, hi):
        state, strategy = self.state, self.strategy
        cpu_over = state.cpu_over(hi)
        mem_over = state.mem_over(hi)
        servers = self.cluster.servers
        candidates = []
        for si in state.residents[hi]:
            s = servers[si]
            if s.movable and s.role in strategy.movable_roles and (
                    (cpu_over and s.cpu > 0) or (mem_over and s.mem > 0)):
                candidates.append(cure_search.Candidate(si, s))
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
                self.why[hi] = ('too few movable servers: even moving '
                                'every server that may move would leave '
                                'it over its threshold')
                continue
            if self._cure_to(hi, candidates, need_cpu, need_mem, margin):
                return
            self.why[hi] = (f'no placeable set: no set of at most '
                            f'{self._most_moves(candidates)} moves found '
                            'within the search budget cures it '
                            'with every server on a host that stays under '
                            'its thresholds and holds no other member of '
                            'its group')

    def _most_moves(self, candidates):
        """The most moves a curing set of ``candidates`` may hold: the
        option when set, else all of them (never above _MOST_MOVES)."""
        cap = self.strategy.max_moves_per_host or _MOST_MOVES
        return min(cap, len(candidates), _MOST_MOVES)

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
        overhead = strategy.move_overhead * cure_search.least_data_bound(
            candidates, need_cpu, need_mem)
        for c in candidates:
            c.cost = c.data + overhead
        excluded = set()   # servers found to fit on no target at all
        for cpu_margin, mem_margin, headroom in self.margins:
            while True:
                pool = [c for c in candidates if c.si not in excluded]
                for keep in (1, _KEEP):
                    kept = cure_search.CoverSearch(pool, need_cpu, need_mem,
                                        self._most_moves(candidates),
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
            ('CPU', state.cpu_over(hi)),
            ('memory', state.mem_over(hi))) if over)
        before = words.state_usage(state, hi)
        pairs = sorted(zip(chosen, targets), key=lambda p: -(
            self.w_cpu * p[0].cpu * p[0].cpu + self.w_mem * p[0].mem
            * p[0].mem))
        done = []
        for c, hj in pairs:
            state.move(c.si, hj)
            done.append((c, hj))
        after = words.state_usage(state, hi)
        self.commits_since_roomy += 1
        margin = (f'keeps {words.percent(headroom)} headroom' if headroom
                  else 'stays under its thresholds (no target had room for '
                       'the headroom)')
        cures = (f'leaves it {words.percent(source_margin)} under its {hot} '
                 'threshold' if source_margin else 'cures it')
        # The set is explained once, for its host; each move says only
        # what is its own.
        self.cured.append(plan_mod.Cured(
            source.name,
            f'{words.plural(len(done), "move")} copying '
            f'{words.data(data)}, the least data that {cures} ({before} -> '
            f'{after})'))
        for k, (c, hj) in enumerate(done, 1):
            role = c.server.role.value if c.server.role else 'ungrouped'
            self.migrations.append(plan_mod.Migration(
                c.server.id, source.name, cluster.hosts[hj].name,
                f'{role}, move {k} of {len(done)} off {source.name}; '
                f'{cluster.hosts[hj].name} {margin} and holds no member of '
                f'its group',
                data))


def _inverse_square(mean):
    square = mean * mean
    # A mean so small that its square underflows normalises nothing either.
    return 1.0 / square if mean > 0 and square > 0 else 1.0


def _roles_text(roles):
    return ', '.join(sorted(name for name, role in ROLE_NAMES.items()
                            if role in roles))
