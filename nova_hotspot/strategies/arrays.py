"""A load state for fast strategies: numpy arrays over hosts.

``core.model.LoadState`` walks every server in Python and keeps every
host's resident list and every group's hosts; on 200,000 servers that alone
takes about half a second. Fast strategies only ever move servers off a few
hot hosts, so ``ArrayState`` builds the per-host sums with numpy and the
resident lists and group placements only for the hosts and groups that can
move.

Usage is summed exactly as LoadState sums it (in snapshot order, starting
from 0.0: ``numpy.bincount`` accumulates its weights in input order) and
updated move by move in Python floats, so every cap is bit-for-bit the one
LoadState would give: strategies that must reproduce a reference plan
exactly can rely on it. ``cpu_cap``/``mem_cap`` (numpy, all hosts) are
kept equal to ``limit - used`` after every move.
"""

import collections
import operator

import numpy


class ArrayState:
    """Per-host usage of a cluster as arrays; resident lists and group
    placements are built on demand, for the hosts that shed load."""

    def __init__(self, cluster):
        self.cluster = cluster
        hosts = cluster.hosts
        servers = cluster.servers
        n = len(hosts)
        position = {h.name: i for i, h in enumerate(hosts)}
        self.cpu_limit = [h.cpu_limit for h in hosts]
        self.mem_limit = [h.mem_limit for h in hosts]
        self.enabled = numpy.fromiter((h.enabled for h in hosts), bool, n)
        count = len(servers)
        where = numpy.fromiter(
            map(position.__getitem__, map(operator.attrgetter('host'),
                                          servers)), numpy.int64, count)
        cpu = numpy.fromiter(map(operator.attrgetter('cpu'), servers),
                             float, count)
        mem = numpy.fromiter(map(operator.attrgetter('mem'), servers),
                             float, count)
        used_cpu = numpy.bincount(where, weights=cpu, minlength=n)
        used_mem = numpy.bincount(where, weights=mem, minlength=n)
        self.cpu_used = used_cpu.tolist()
        self.mem_used = used_mem.tolist()
        self.cpu_limit_array = numpy.array(self.cpu_limit, dtype=float)
        self.mem_limit_array = numpy.array(self.mem_limit, dtype=float)
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
        return numpy.flatnonzero((self.cpu_cap < 0)
                                 | (self.mem_cap < 0)).tolist()

    def track_groups_of(self, hosts):
        """Start tracking the groups of every server on ``hosts``: moves
        update only tracked groups, so call it before moving their
        servers (one pass over all servers, only if a group is new)."""
        servers = self.cluster.servers
        new = {servers[si].group for hi in hosts
               for si in self.residents[hi]} - {None} - set(self.group_hosts)
        if not new:
            return
        for group in new:
            self.group_hosts[group] = {}
        groups = list(map(operator.attrgetter('group'), servers))
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

    def is_hot(self, hi):
        return self.cpu_cap_of(hi) < 0 or self.mem_cap_of(hi) < 0

    def _group(self, group):
        hosts = self.group_hosts.get(group)
        if hosts is None:
            # Not tracked: only reachable for servers that were never on a
            # tracked host; count it now rather than answer wrongly.
            hosts = self.group_hosts[group] = collections.Counter(
                self.host_of(si)
                for si, s in enumerate(self.cluster.servers)
                if s.group == group)
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


class LoadStateView:
    """Adapts an ArrayState to the LoadState methods the paper strategy's
    helpers call (cpu_cap(hi), mem_cap(hi), residents[hi], move)."""

    def __init__(self, arrays):
        self._a = arrays
        self.cluster = arrays.cluster
        self.cpu_limit = arrays.cpu_limit
        self.mem_limit = arrays.mem_limit
        self.cpu_used = arrays.cpu_used
        self.mem_used = arrays.mem_used
        self.residents = arrays.residents

    def cpu_cap(self, hi):
        return self._a.cpu_cap_of(hi)

    def mem_cap(self, hi):
        return self._a.mem_cap_of(hi)

    def is_hot(self, hi):
        return self._a.is_hot(hi)

    def group_has_member_on(self, group, hi):
        return self._a.group_has_member_on(group, hi)

    def move(self, si, target):
        self._a.move(si, target)
