"""The cluster model: hosts and servers.

Plain frozen classes, no dict-shaped records. A ``Cluster`` is an immutable
snapshot; ``core.load.LoadState`` is the mutable view of per-host usage that
a strategy (or the plan validator) applies moves to.
"""

import collections.abc
import dataclasses
import enum
import itertools
import operator

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

    Besides ``hosts`` and ``servers`` (sequences of Host and Server) a
    cluster holds the columns that planning reads for every host and
    server, so that nothing has to walk 200,000 Server objects in Python:
    ``host_names``, ``host_vcpus``, ``host_memory_mb``, ``host_cpu_limit``,
    ``host_mem_limit``, ``host_enabled`` (numpy, by host position) and
    ``server_ids``, ``server_groups`` (lists), ``server_host`` (host
    positions), ``server_cpu``, ``server_mem`` (numpy, by server position).

    ``Cluster(hosts, servers)`` takes Host and Server objects (the
    collector, tests); ``Cluster.from_columns`` takes the columns and lazy
    record sequences (the snapshot loader, core/snapshot.py), whose objects
    are built only for the hosts and servers a strategy looks at.
    """

    def __init__(self, hosts, servers):
        import numpy  # not at import: nova-scheduler imports Resource
        hosts = tuple(hosts)
        servers = tuple(servers)
        get = operator.attrgetter
        self._set_columns(
            hosts, servers,
            host_names=list(map(get('name'), hosts)),
            host_vcpus=_floats(map(get('vcpus'), hosts), len(hosts)),
            host_memory_mb=_floats(map(get('memory_mb'), hosts), len(hosts)),
            host_cpu_threshold=_floats(map(get('cpu_threshold'), hosts),
                                       len(hosts)),
            host_mem_threshold=_floats(map(get('mem_threshold'), hosts),
                                       len(hosts)),
            host_enabled=numpy.fromiter(map(get('enabled'), hosts), bool,
                                        len(hosts)),
            server_ids=list(map(get('id'), servers)),
            server_host_names=list(map(get('host'), servers)),
            server_cpu=_floats(map(get('cpu'), servers), len(servers)),
            server_mem=_floats(map(get('mem'), servers), len(servers)),
            server_groups=list(map(get('group'), servers)))

    @classmethod
    def from_columns(cls, hosts, servers, **columns):
        """A cluster from record sequences (``hosts``, ``servers``: any
        sequences of Host and Server, e.g. ``LazyRecords``) and their
        columns, the keyword arguments of ``_set_columns``."""
        cluster = cls.__new__(cls)
        cluster._set_columns(hosts, servers, **columns)
        return cluster

    def _set_columns(self, hosts, servers, *, host_names, host_vcpus,
                     host_memory_mb, host_cpu_threshold, host_mem_threshold,
                     host_enabled, server_ids, server_host_names, server_cpu,
                     server_mem, server_groups):
        self.hosts = hosts
        self.servers = servers
        self.host_names = host_names
        self.host_vcpus = host_vcpus
        self.host_memory_mb = host_memory_mb
        # The same products as Host.cpu_limit / mem_limit (IEEE, elementwise).
        self.host_cpu_limit = host_cpu_threshold * host_vcpus
        self.host_mem_limit = host_mem_threshold * host_memory_mb
        self.host_enabled = host_enabled
        self.server_ids = server_ids
        self.server_cpu = server_cpu
        self.server_mem = server_mem
        self.server_groups = server_groups
        import numpy  # not at import: nova-scheduler imports Resource
        # Names are unique and every server is on a known host: checked on
        # whole columns (dicts and numpy), the first offender worded as
        # before, record by record in snapshot order.
        self._host_index = dict(zip(host_names, range(len(host_names))))
        if len(self._host_index) < len(host_names):
            i = _first_repeat(host_names)
            raise exceptions.InvalidSnapshot(
                f"hosts[{i}] (name {host_names[i]!r}): duplicate host name")
        self._server_index = dict(zip(server_ids, range(len(server_ids))))
        duplicate = (_first_repeat(server_ids)
                     if len(self._server_index) < len(server_ids) else None)
        self.server_host = numpy.fromiter(
            map(self._host_index.get, server_host_names,
                itertools.repeat(-1)), numpy.int64, len(server_host_names))
        unknown = numpy.flatnonzero(self.server_host < 0)
        unknown = int(unknown[0]) if len(unknown) else None
        if duplicate is not None and (unknown is None or duplicate <= unknown):
            raise exceptions.InvalidSnapshot(
                f"servers[{duplicate}] (id {server_ids[duplicate]!r}): "
                "duplicate server id")
        if unknown is not None:
            raise exceptions.InvalidSnapshot(
                f"servers[{unknown}] (id {server_ids[unknown]!r}): field "
                f"'host' names unknown host {server_host_names[unknown]!r}")

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


class LazyRecords(collections.abc.Sequence):
    """A sequence of ``count`` records, record ``i`` built by ``build(i)``
    the first time it is asked for by position (and kept); iterating
    builds each record without keeping it."""

    def __init__(self, count, build):
        self._count = count
        self._build = build
        self._built = {}

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._count)))
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError('record index out of range')
        record = self._built.get(index)
        if record is None:
            record = self._built[index] = self._build(index)
        return record

    def __iter__(self):
        built, build = self._built, self._build
        for i in range(self._count):
            record = built.get(i)
            yield build(i) if record is None else record

    def __eq__(self, other):
        if not isinstance(other, collections.abc.Sequence) or \
                isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and tuple(self) == tuple(other)

    __hash__ = None


def _floats(values, count):
    import numpy  # not at import: nova-scheduler imports Resource
    return numpy.fromiter(values, float, count)


def _first_repeat(names):
    """Position of the first name that an earlier one repeats."""
    seen = set()
    for i, name in enumerate(names):
        if name in seen:
            return i
        seen.add(name)
    return None
