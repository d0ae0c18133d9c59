"""Strategy ``cure``'s search: the cheapest sets of a hot host's servers
whose removal cures it (a branch and bound over covering sets), apart from
the planner (strategies/cure.py) that places them."""

import math

import numpy

#: The search stops improving once no branch can beat the best set found
#: by more than this fraction of data: near-ties of many small servers
#: otherwise cost exponential time for a fraction of a percent.
_GAP = 0.005

#: Hosts with more candidates than this skip the vectorised pair seed.
_SEED_MAX = 300


class Candidate:
    """A server that could leave a hot host, as the search sees it."""

    __slots__ = ('si', 'server', 'data', 'cpu', 'mem', 'cost')

    def __init__(self, si, server):
        self.si = si
        self.server = server
        self.data = server.data_mb
        self.cpu = server.cpu
        self.mem = server.mem
        self.cost = self.data   # data plus the planner's per-move overhead


class CoverSearch:
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
    def least_data(ladder, need):
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
        least = self.least_data
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



def least_data_bound(candidates, need_cpu, need_mem):
    """The least data that could cure the host if servers could move in
    part (the larger of the two resources' fractional bounds)."""
    bound = 0.0
    for resource, need in (('cpu', need_cpu), ('mem', need_mem)):
        if need <= 0:
            continue
        rungs = sorted((c.data / getattr(c, resource), getattr(c, resource))
                       for c in candidates if getattr(c, resource) > 0)
        bound = max(bound, CoverSearch.least_data(rungs, need))
    return bound if math.isfinite(bound) else 0.0
