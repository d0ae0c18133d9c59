"""The one load state: per-host usage of a cluster while moves are
applied, and the one replay of a plan on it.

Usage is summed in snapshot order starting from 0.0 (``numpy.bincount``
accumulates its weights in input order, as the paper's step 4 sums) and
updated move by move in Python floats, so every cap is bit-for-bit
``limit - used`` of that sum: strategies that must reproduce a reference
plan exactly rely on it. ``cpu_cap``/``mem_cap`` (numpy, all hosts) are
kept equal to ``limit - used`` after every move; ``cpu_cap_of(hi)``/
``mem_cap_of(hi)`` are the same as Python floats. Resident lists and group
placements are built on demand, so that a strategy touching a few hot hosts
of 200,000 servers does not walk them all in Python.

The threshold check lives here once: a resource is over (the host hot in
it) when its use passes its limit, ``over_limit(used, limit)``.
"""

import collections
import dataclasses

import numpy


def over_limit(used, limit):
    """The one threshold check: use strictly above the limit (floats or
    numpy arrays). A host exactly at its threshold is not hot."""
    return used > limit


class LoadState:
    """Per-host usage of a cluster while moves are applied, by host
    position; resident lists and group placements are built on demand, for
    the hosts that shed load (``track_groups_of``)."""

    def __init__(self, cluster):
        self.cluster = cluster
        n = len(cluster.host_names)
        self.cpu_limit = cluster.host_cpu_limit.tolist()
        self.mem_limit = cluster.host_mem_limit.tolist()
        self.enabled = cluster.host_enabled
        where = cluster.server_host
        used_cpu = numpy.bincount(where, weights=cluster.server_cpu,
                                  minlength=n)
        used_mem = numpy.bincount(where, weights=cluster.server_mem,
                                  minlength=n)
        self.cpu_used = used_cpu.tolist()
        self.mem_used = used_mem.tolist()
        self.cpu_limit_array = cluster.host_cpu_limit
        self.mem_limit_array = cluster.host_mem_limit
        self.cpu_cap = self.cpu_limit_array - used_cpu
        self.mem_cap = self.mem_limit_array - used_mem
        self._where = where
        order = numpy.argsort(where, kind='stable')
        starts = numpy.searchsorted(where[order], numpy.arange(n + 1))
        self.residents = _Residents(order, starts)
        self.location = {}   # server position -> host, for moved servers
        # group -> {host position: members there}, for tracked groups.
        self.group_hosts = {}

    def hot_hosts(self):
        """Positions of the hosts over a threshold, in snapshot order."""
        return numpy.flatnonzero(
            over_limit(numpy.array(self.cpu_used), self.cpu_limit_array)
            | over_limit(numpy.array(self.mem_used),
                         self.mem_limit_array)).tolist()

    def track_groups_of(self, hosts):
        """Start tracking the groups of every server on ``hosts``: moves
        update only tracked groups, so call it before moving their
        servers (one pass over all servers, only if a group is new)."""
        groups = self.cluster.server_groups
        new = {groups[si] for hi in hosts
               for si in self.residents[hi]} - {None} - set(self.group_hosts)
        if not new:
            return
        for group in new:
            self.group_hosts[group] = {}
        members = [si for si, g in enumerate(groups) if g in new]
        moved = self.location
        group_hosts = self.group_hosts
        for si, hi in zip(members, self._where[members].tolist()):
            if moved:
                hi = moved.get(si, hi)
            hosts = group_hosts[groups[si]]
            hosts[hi] = hosts.get(hi, 0) + 1

    def host_of(self, si):
        hi = self.location.get(si)
        return int(self._where[si]) if hi is None else hi

    def cpu_cap_of(self, hi):
        return self.cpu_limit[hi] - self.cpu_used[hi]

    def mem_cap_of(self, hi):
        return self.mem_limit[hi] - self.mem_used[hi]

    def cpu_over(self, hi):
        return over_limit(self.cpu_used[hi], self.cpu_limit[hi])

    def mem_over(self, hi):
        return over_limit(self.mem_used[hi], self.mem_limit[hi])

    def is_hot(self, hi):
        return self.cpu_over(hi) or self.mem_over(hi)

    def _group(self, group):
        hosts = self.group_hosts.get(group)
        if hosts is None:
            # Not tracked: only reachable for servers that were never on a
            # tracked host; count it now rather than answer wrongly.
            hosts = self.group_hosts[group] = collections.Counter(
                self.host_of(si)
                for si, g in enumerate(self.cluster.server_groups)
                if g == group)
        return hosts

    def group_has_member_on(self, group, hi):
        if group is None:
            return False
        return self._group(group).get(hi, 0) > 0

    def member_hosts(self, group):
        """Host positions holding a member of ``group``."""
        if group is None:
            return ()
        return [hi for hi, count in self._group(group).items() if count]

    def move(self, si, target):
        """Move server ``si`` (on a mover host) to host ``target``."""
        server = self.cluster.servers[si]
        source = self.host_of(si)
        self.cpu_used[source] -= server.cpu
        self.mem_used[source] -= server.mem
        self.cpu_used[target] += server.cpu
        self.mem_used[target] += server.mem
        for hi in (source, target):
            self.cpu_cap[hi] = self.cpu_limit[hi] - self.cpu_used[hi]
            self.mem_cap[hi] = self.mem_limit[hi] - self.mem_used[hi]
        self.residents[source].remove(si)
        self.residents[target].append(si)
        self.residents[target].sort()
        self.location[si] = target
        if server.group is not None and server.group in self.group_hosts:
            hosts = self.group_hosts[server.group]
            hosts[source] -= 1
            if not hosts[source]:
                del hosts[source]
            hosts[target] = hosts.get(target, 0) + 1


class _Residents(dict):
    """Host position -> its servers' positions in snapshot order, built from
    the snapshot the first time a host is asked for."""

    def __init__(self, order, starts):
        super().__init__()
        self._order = order
        self._starts = starts

    def __missing__(self, hi):
        value = self[hi] = self._order[
            self._starts[hi]:self._starts[hi + 1]].tolist()
        return value


#: The problem of a step whose target is its source.
SAME_HOST = 'target is the source'


@dataclasses.dataclass(frozen=True, slots=True)
class Step:
    """One migration of a plan being replayed: positions of its server,
    source and target (None when unknown) and, when the move cannot be
    replayed, why (``problem``; then the state does not change)."""

    index: int
    migration: object
    server: int | None
    source: int | None
    target: int | None
    problem: str | None = None


def replay(cluster, plan, before=None, after=None):
    """Replay ``plan``'s moves in order on a fresh LoadState of ``cluster``
    and return it. ``before(step, state)`` sees every step before its move,
    ``after(step, state)`` each move once made. A step names a problem, and
    is not applied, for an unknown server or host, a server moved twice or
    not on its stated source, or a target that is the source."""
    state = LoadState(cluster)
    # Track the groups on the plan's sources in one pass (an untracked
    # group is counted from scratch when first asked for).
    state.track_groups_of({cluster.host_index(m.source)
                           for m in plan.migrations} - {None})
    moved = set()
    for index, migration in enumerate(plan.migrations):
        sid = migration.server
        si = cluster.server_index(sid)
        source = cluster.host_index(migration.source)
        target = cluster.host_index(migration.target)
        problem = None
        if si is None:
            problem = 'unknown server'
        elif source is None:
            problem = f'unknown source host {migration.source!r}'
        elif target is None:
            problem = f'unknown target host {migration.target!r}'
        elif sid in moved:
            problem = 'server moved twice'
        else:
            moved.add(sid)
            where = state.host_of(si)
            if where != source:
                problem = (f'server is on {cluster.hosts[where].name!r}, not'
                           f' on source {migration.source!r}')
            elif target == source:
                problem = SAME_HOST
        step = Step(index, migration, si, source, target, problem)
        if before is not None:
            before(step, state)
        if problem is None:
            state.move(si, target)
            if after is not None:
                after(step, state)
    return state
