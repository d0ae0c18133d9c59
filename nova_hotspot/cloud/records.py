"""What the gateways read, as typed frozen records (plain standard-library
dataclasses: the pure collector builds the core model from them).

Values are kept as the cloud gave them (a flavor's ``vcpus`` may be a
string or missing): judging them is the collector's job, which reports
what it cannot use.
"""

import dataclasses

#: Task states of a server Nova is moving (live or cold).
MIGRATING_TASK_STATES = frozenset({'migrating', 'resize_prep',
                                   'resize_migrating', 'resize_migrated',
                                   'resize_finish'})


@dataclasses.dataclass(frozen=True)
class Hypervisor:
    """A hypervisor of the listing; ``id`` is its Placement resource
    provider uuid (microversion >= 2.53), ``service_host`` its compute
    host name (what live migration takes)."""

    id: str | None
    hypervisor_hostname: str | None = None
    state: str | None = None
    status: str | None = None
    service_host: str | None = None


@dataclasses.dataclass(frozen=True)
class Inventory:
    """One Placement inventory record of a resource class."""

    total: object = None
    reserved: object = None
    allocation_ratio: object = None


@dataclasses.dataclass(frozen=True)
class Flavor:
    """The flavor embedded in a server (microversion >= 2.47)."""

    vcpus: object = None
    ram: object = None
    disk: object = None
    ephemeral: object = None
    swap: object = None


@dataclasses.dataclass(frozen=True)
class Server:
    """A server as listed (or read alone)."""

    id: str | None
    name: object = None
    host: object = None
    status: str | None = None
    task_state: str | None = None
    locked: object = False
    project_id: object = None
    metadata: object = dataclasses.field(default_factory=dict)
    created: object = None
    flavor: object = None
    #: Boots from a volume (no image): its root disk is not copied.
    volume_backed: bool = False
    #: Its hypervisor (node) name; it tells the nodes of a compute host
    #: that serves several apart.
    node: object = None

    @property
    def movable_status(self):
        """ACTIVE with no task: the only state a server may move in."""
        return self.status == 'ACTIVE' and not self.task_state

    @property
    def migrating(self):
        """Whether Nova is migrating it right now."""
        return (self.status == 'MIGRATING'
                or self.task_state in MIGRATING_TASK_STATES)


@dataclasses.dataclass(frozen=True)
class ServerGroup:
    """A server group; ``policy`` is its one policy."""

    id: str
    policy: str | None
    members: tuple = ()
    name: str | None = None


@dataclasses.dataclass(frozen=True)
class Aggregate:
    name: str | None
    hosts: tuple = ()
    metadata: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ComputeService:
    """A nova-compute service of one host."""

    host: str | None
    state: str | None
    status: str | None
    disabled_reason: str | None = None


@dataclasses.dataclass(frozen=True)
class Migration:
    """A record of Nova's migrations API."""

    id: object
    status: str | None
    created_at: str | None = None
    source_compute: str | None = None
    dest_compute: str | None = None


@dataclasses.dataclass(frozen=True)
class Diagnostics:
    """Server diagnostics (microversion >= 2.48): each vCPU's ``time`` (ns)
    as read, and ``memory_details.used`` (MB) as read."""

    cpu_times: tuple = ()
    memory_used: object = None
