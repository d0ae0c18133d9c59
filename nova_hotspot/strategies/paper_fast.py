"""Strategy ``paper``, fast: the same plans as tests/unit/paper_oracle.py
(the straightforward implementation of section 2.3, the test oracle),
in well under a second on 10,000 hosts / 200,000 servers.

The algorithm as written restarts at the first host after every move and
rescans every (master, target) pair of every hot host. Two facts make most
of that work unnecessary:

* every move makes its source a host with room in both resources, takes
  room from its target, and changes the group placement only on those two
  hosts. A hot host with no allowed move ("stuck") can therefore only get
  one through a host that has been a *source* since it was found stuck: no
  other host gained room or lost a group member. So a stuck host is
  rechecked only against those sources, and it is found at the same place
  in the scan order the rescan would find it;
* the full scan of one hot host over all targets is vectorised with numpy,
  computing c with the same operations in the same order as
  paper_score.best_move
  (elementwise IEEE arithmetic, so bit-identical scores), and ties broken
  the same way: the first target in snapshot order, then the first master.

Caps come from ``core.load.LoadState`` (usage summed in snapshot order).
When a score could be NaN (infinite weights), the host falls back to the
straightforward scan, ``paper_score.best_move``.
"""

import math

import numpy

from nova_hotspot.core import load
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.strategies import base
from nova_hotspot.strategies import paper_score

_NEVER = -1   # stuck marker of a host never scanned


class FastPaperStrategy(base.Strategy):
    """The paper's algorithm, planned fast; see the module docstring."""

    name = 'paper'

    def plan(self, cluster, sources=None):
        state = load.LoadState(cluster)
        c_cpu, c_mem = paper_score.resource_weights(state)
        exact_numpy = math.isfinite(c_cpu) and math.isfinite(c_mem)
        acting = base.actionable(cluster, sources)
        hot = [hi for hi in state.hot_hosts() if acting[hi]]
        state.track_groups_of(hot)
        # stuck[hi]: number of moves made when hi was last found without a
        # move (_NEVER: not scanned since it became hot).
        stuck = {hi: _NEVER for hi in hot}
        # A stuck host's own caps and servers do not change (nothing moves
        # onto a hot host), so its curing masters are computed once; one
        # without any can never get a move and is dropped from the scan.
        masters = {}
        freed = []   # sources of the moves, in move order
        migrations = []
        while True:
            found = None
            for hi in sorted(stuck):
                since = stuck[hi]
                if since == len(freed):
                    continue
                if hi not in masters:
                    masters[hi] = self._masters(state, hi)
                if not masters[hi]:
                    del stuck[hi]
                    continue
                if since == _NEVER or not exact_numpy:
                    best = self._scan_all(state, hi, masters[hi],
                                          c_cpu, c_mem, exact_numpy)
                else:
                    best = self._scan_targets(
                        state, hi, masters[hi], sorted(set(freed[since:])),
                        c_cpu, c_mem)
                if best is not None:
                    found = (hi, best)
                    break
                stuck[hi] = len(freed)
            if found is None:
                break
            hi, (score, si, hj) = found
            migrations.append(paper_score.migration(state, hi, score, si,
                                                    hj))
            freed.append(hi)
            del stuck[hi]
            # "Moving t alone cures i" and "j stays under" are tested on
            # cap + t, the state on limit - (used -/+ t): rounding can leave
            # either host (just) hot. Then the rescan would meet it again.
            masters.pop(hi, None)
            for h in (hi, hj):
                if state.is_hot(h) and acting[h]:
                    state.track_groups_of([h])
                    masters.pop(h, None)
                    stuck[h] = _NEVER
        unresolved = tuple(
            plan_mod.Unresolved(cluster.hosts[hi].name,
                                paper_score.why_stuck(state, hi)
                                if acting[hi] else base.NOT_A_SOURCE)
            for hi in state.hot_hosts())
        return plan_mod.Plan(self.name, tuple(migrations), unresolved)

    @staticmethod
    def _masters(state, hi):
        """The masters on ``hi`` that may move and alone cure it, in
        snapshot order (paper step 3's source conditions)."""
        servers = state.cluster.servers
        mem_cap_i = state.mem_cap_of(hi)
        cpu_cap_i = state.cpu_cap_of(hi)
        found = []
        for si in state.residents[hi]:
            t = servers[si]
            if t.is_master and t.movable and t.mem + mem_cap_i > 0 \
                    and t.cpu + cpu_cap_i > 0:
                found.append(si)
        return found

    @classmethod
    def _scan_all(cls, state, hi, masters, c_cpu, c_mem, exact_numpy):
        """paper_score.best_move over every target, vectorised."""
        if not exact_numpy:
            return paper_score.best_move(state, hi, c_cpu, c_mem)
        servers = state.cluster.servers
        mem_cap, cpu_cap = state.mem_cap, state.cpu_cap
        mem_cap_i = state.mem_cap_of(hi)
        cpu_cap_i = state.cpu_cap_of(hi)
        open_targets = state.enabled & (mem_cap > 0) & (cpu_cap > 0)
        open_targets[hi] = False
        best = None   # (c, target, rank of the master), rank breaks ties
        for rank, si in enumerate(masters):
            t = servers[si]
            fits = open_targets & (mem_cap - t.mem > 0) & (cpu_cap - t.cpu > 0)
            for hm in state.member_hosts(t.group):
                fits[hm] = False
            idx = numpy.flatnonzero(fits)
            if not len(idx):
                continue
            diff_mem = mem_cap_i - mem_cap[idx]
            diff_cpu = cpu_cap_i - cpu_cap[idx]
            c = (c_mem * t.mem * (diff_mem + t.mem)
                 + c_cpu * t.cpu * (diff_cpu + t.cpu)) / t.data_mb
            k = int(numpy.argmin(c))
            candidate = (float(c[k]), int(idx[k]), rank)
            if best is None or candidate < best:
                best = candidate
        if best is None:
            return None
        return best[0], masters[best[2]], best[1]

    @classmethod
    def _scan_targets(cls, state, hi, masters, targets, c_cpu, c_mem):
        """paper_score.best_move restricted to ``targets`` (sorted
        host positions): the only hosts that can have opened a move for a
        host found stuck."""
        return paper_score.best_move(state, hi, c_cpu, c_mem, targets,
                                     masters)
