"""The cluster model: hosts, servers, and the load state plans move through.

Plain frozen classes, no dict-shaped records. A ``Cluster`` is an immutable
snapshot; a ``LoadState`` is the mutable view of per-host usage that a
strategy (or the plan validator) applies moves to.
"""

import bisect
import collections
import dataclasses
import enum

from nova_hotspot import exceptions

ACTIVE = 'ACTIVE'


class Role(enum.Enum):
    """A server's role in its business (one anti-affinity server group)."""

    MASTER = 'master'
    SLAVE = 'slave'


class Resource(enum.Enum):
    """The resources a host can be hot in; each is judged on its own."""

    CPU = 'cpu'
    MEM = 'mem'


@dataclasses.dataclass(frozen=True, slots=True)
class Host:
    """A compute host.

    ``vcpus`` and ``memory_mb`` are the capacity; the thresholds are the
    fraction of that capacity the summed usage of the host's servers may
    reach. A host that is not ``enabled`` (down, disabled, excluded) is never
    a migration target, but still counts as a source and in the means.
    """

    name: str
    vcpus: float
    memory_mb: float
    cpu_threshold: float
    mem_threshold: float
    enabled: bool = True

    @property
    def cpu_limit(self):
        """CPU use (busy vCPU-equivalents) above which the host is hot."""
        return self.cpu_threshold * self.vcpus

    @property
    def mem_limit(self):
        """Memory use (MB) above which the host is hot."""
        return self.mem_threshold * self.memory_mb


@dataclasses.dataclass(frozen=True, slots=True)
class Server:
    """A server (VM) as the planner sees it.

    ``vcpus``/``memory_mb`` are the flavor; ``cpu`` (busy vCPU-equivalents)
    and ``mem`` (MB) the current use; ``data_mb`` what a live migration
    copies. ``group`` names the server's business (its anti-affinity server
    group) and ``role`` its part in it. Only ACTIVE servers that are not
    ``pinned`` (the operator's opt-out) may be moved.
    """

    id: str
    host: str
    vcpus: float
    memory_mb: float
    cpu: float
    mem: float
    data_mb: float
    role: Role | None = None
    group: str | None = None
    name: str | None = None
    status: str = ACTIVE
    project: str | None = None
    pinned: bool = False

    @property
    def movable(self):
        return self.status == ACTIVE and not self.pinned

    @property
    def is_master(self):
        return self.role is Role.MASTER


class Cluster:
    """An immutable snapshot: hosts and servers in snapshot order.

    Snapshot order matters: strategies break ties by it.
    """

    def __init__(self, hosts, servers):
        self.hosts = tuple(hosts)
        self.servers = tuple(servers)
        self._host_index = {}
        for i, host in enumerate(self.hosts):
            if host.name in self._host_index:
                raise exceptions.InvalidSnapshot(
                    f"hosts[{i}] (name {host.name!r}): duplicate host name")
            self._host_index[host.name] = i
        self._server_index = {}
        for i, server in enumerate(self.servers):
            if server.id in self._server_index:
                raise exceptions.InvalidSnapshot(
                    f"servers[{i}] (id {server.id!r}): duplicate server id")
            if server.host not in self._host_index:
                raise exceptions.InvalidSnapshot(
                    f"servers[{i}] (id {server.id!r}): field 'host' names "
                    f"unknown host {server.host!r}")
            self._server_index[server.id] = i

    def host_index(self, name):
        """Position of host ``name`` in snapshot order, or None."""
        return self._host_index.get(name)

    def server_index(self, server_id):
        """Position of server ``server_id`` in snapshot order, or None."""
        return self._server_index.get(server_id)

    def host(self, name):
        return self.hosts[self._host_index[name]]

    def server(self, server_id):
        return self.servers[self._server_index[server_id]]


class LoadState:
    """Per-host usage while moves are applied, by position in the snapshot.

    Usage is summed in snapshot order and then updated move by move, as the
    paper's step 4 does; a host's spare capacity ("cap") is its limit minus
    its usage, negative when the host is hot.
    """

    def __init__(self, cluster):
        self.cluster = cluster
        hosts = cluster.hosts
        self.cpu_limit = [h.cpu_limit for h in hosts]
        self.mem_limit = [h.mem_limit for h in hosts]
        self.cpu_used = [0.0] * len(hosts)
        self.mem_used = [0.0] * len(hosts)
        # Server position -> host position, and each host's servers in
        # snapshot order (strategies scan them in that order).
        self.location = []
        self.residents = [[] for _ in hosts]
        # group -> Counter(host position -> members there)
        self.group_hosts = collections.defaultdict(collections.Counter)
        for si, server in enumerate(cluster.servers):
            hi = cluster.host_index(server.host)
            self.location.append(hi)
            self.residents[hi].append(si)
            self.cpu_used[hi] += server.cpu
            self.mem_used[hi] += server.mem
            if server.group is not None:
                self.group_hosts[server.group][hi] += 1

    def cpu_cap(self, hi):
        return self.cpu_limit[hi] - self.cpu_used[hi]

    def mem_cap(self, hi):
        return self.mem_limit[hi] - self.mem_used[hi]

    def is_hot(self, hi):
        return self.cpu_cap(hi) < 0 or self.mem_cap(hi) < 0

    def group_has_member_on(self, group, hi, besides=None):
        """Whether a member of ``group`` other than server ``besides`` is on
        host ``hi``."""
        if group is None:
            return False
        count = self.group_hosts[group][hi] if group in self.group_hosts \
            else 0
        if besides is not None and self.location[besides] == hi:
            count -= 1
        return count > 0

    def move(self, si, target):
        """Move server ``si`` to host position ``target``."""
        server = self.cluster.servers[si]
        source = self.location[si]
        self.cpu_used[source] -= server.cpu
        self.mem_used[source] -= server.mem
        self.cpu_used[target] += server.cpu
        self.mem_used[target] += server.mem
        self.residents[source].remove(si)
        bisect.insort(self.residents[target], si)
        self.location[si] = target
        if server.group is not None:
            hosts = self.group_hosts[server.group]
            hosts[source] -= 1
            if not hosts[source]:
                del hosts[source]
            hosts[target] += 1
