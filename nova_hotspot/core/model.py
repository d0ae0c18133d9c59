"""The cluster model: hosts and servers.

Plain frozen classes, no dict-shaped records. A ``Cluster`` is an immutable
snapshot; ``core.load.LoadState`` is the mutable view of per-host usage that
a strategy (or the plan validator) applies moves to.
"""

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
