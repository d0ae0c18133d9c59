"""The pure builder: what the cloud said (``RawCloud`` of typed
``cloud.records``) -> a core ``Cluster`` plus the side facts the agent
needs (``Collection``). No I/O: ``build`` is pure when its ``usage``
callable is.

Named steps, in order: ``listed`` (servers the API listed badly),
``thresholds`` (aggregate overrides), ``hosts``, ``placed`` (servers on a
known host), ``pins``, ``loads``, then the core ``Server`` of each.
``fresh_cluster`` runs the same steps on what the actuator reads again
just before a move.

Deliberate rules (see doc/agent.md):

- hosts: the hypervisor's service host is the host name (what live
  migration takes). A compute host that serves several nodes (as for
  Ironic, or the minicloud's ``--nodes-per-compute``) gives one host per
  node, named by the node (its hypervisor hostname, each with its own
  resource provider); Nova live-migrates to a host, not a node, so those
  nodes are no targets and their servers stay where they are (reported
  once per compute host, ``multi-node-host``). A host is a target only
  when its hypervisor is ``up`` and ``enabled``, it is not in
  ``excluded_hosts`` and Placement has VCPU and MEMORY_MB inventory for
  it. A hypervisor without that inventory is left out, with its servers
  (a problem is reported). Servers on a host that is down or excluded may
  not move (Nova cannot live-migrate off a
  dead compute; excluded means untouched).
- capacity: ``allocation`` = (total - reserved) x allocation_ratio,
  ``physical`` = total - reserved. Thresholds: ``[hotspot]`` defaults,
  lowered by aggregate metadata overrides (lowest wins).
- servers: only servers with a host enter the snapshot (BUILD without a
  host, SHELVED_OFFLOADED... do not load a host). A server whose host is
  unknown is reported and left out. Load counts whatever the status; only
  ACTIVE servers with no task state may move (the status becomes e.g.
  ``ACTIVE/migrating`` otherwise). Pinned (never moved): opt-out
  metadata, excluded project, locked, member of an affinity group, on a
  host that is down or excluded, or pinned by the caller (cooldown).
"""

import dataclasses
import datetime
import math
import re

from nova_hotspot.collect import roles as roles_mod
from nova_hotspot.core import model
from nova_hotspot.core import words
from nova_hotspot.core.problems import Problem

TRUE_VALUES = frozenset({'true', 'yes', '1', 'on'})
#: Statuses in which a server normally has no host.
NO_HOST_STATUSES = frozenset({'BUILD', 'SHELVED_OFFLOADED', 'DELETED',
                              'SOFT_DELETED'})
HARD_AFFINITY = 'affinity'
RESOURCE_CLASSES = ('VCPU', 'MEMORY_MB')


@dataclasses.dataclass(frozen=True)
class Options:
    """The ``[hotspot]`` options the builder reads."""

    capacity: str = 'allocation'
    instance_storage: str = 'local'
    cpu_threshold: float = 0.8
    mem_threshold: float = 0.8
    cpu_threshold_metadata_key: str = 'hotspot_cpu_threshold'
    mem_threshold_metadata_key: str = 'hotspot_mem_threshold'
    role_metadata_key: str = 'hotspot_role'
    optout_metadata_key: str = 'hotspot_optout'
    excluded_hosts: frozenset = frozenset()
    excluded_projects: frozenset = frozenset()

    @classmethod
    def from_settings(cls, settings):
        return cls(**{f.name: getattr(settings, f.name)
                      for f in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class RawCloud:
    """What the API said, as ``cloud.records``.

    hypervisors: ``Hypervisor``; inventories: resource provider id ->
    resource class -> ``Inventory`` (a provider Placement does not know is
    absent); servers: ``Server``; groups: ``ServerGroup``; aggregates:
    ``Aggregate``.
    """

    hypervisors: list
    inventories: dict
    servers: list
    groups: list
    aggregates: list


@dataclasses.dataclass(frozen=True)
class HostFacts:
    """What the agent knows of a host besides the core ``Host``: whether
    it may receive servers, and why not."""

    name: str
    hypervisor_id: str | None
    state: str | None
    status: str | None
    target: bool
    why_not_target: str | None = None
    #: the compute host when this host is one of its several nodes
    compute_host: str | None = None


@dataclasses.dataclass
class Collection:
    """One cycle's view of the cloud: the core cluster and the side facts
    the agent and the actuator need."""

    cluster: model.Cluster
    #: host name -> HostFacts, for every host of the cluster
    hosts: dict
    #: server id -> why it may not move (empty tuple: it may), for every
    #: server of the cluster
    pins: dict
    problems: list
    #: the options it was built with (the actuator's re-check reuses them)
    options: Options = Options()
    api_calls: dict = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    #: where the hosts' inventories came from: {'cache': n, 'placement':
    #: m} (``collect.inventories``)
    inventory_sources: dict = dataclasses.field(default_factory=dict)
    #: server id -> its host, for every server Nova is migrating now
    #: (whoever started it: a previous agent, an operator).
    migrating: dict = dataclasses.field(default_factory=dict)
    #: server id -> Stuck, for the migrations in flight for longer than
    #: migration_timeout + stuck_migration_grace (see ``stuck``)
    stuck: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Stuck:
    """A migration Nova has run for too long: it keeps its server, group
    and both hosts pinned but no longer counts against the limits."""

    server: str
    source: str | None
    target: str | None
    age: float
    name: str | None = None   # the server's, for people

    def __str__(self):
        return (f'migration of {words.label(self.server, self.name)} '
                f'from {self.source or "?"} to {self.target or "?"} stuck: '
                f'in flight for {self.age:.0f}s')


def stuck(records, now, limit, requested=None, names=None):
    """{server id: Stuck} of ``records`` ({server id: the newest live
    ``cloud.records.Migration``}) created more than ``limit`` seconds
    before ``now`` (unix time). A record without a readable time is not
    judged. ``requested`` ({server id: target host} the agent asked for)
    names the target Nova's record does not name yet (its conductor sets
    it only after the pre-checks on the target, which a dead target never
    answers). ``names``: {server id: name} to name them by."""
    requested = requested or {}
    names = names or {}
    result = {}
    for server_id, record in records.items():
        created = _unix_time(getattr(record, 'created_at', None))
        if created is None or now - created <= limit:
            continue
        result[server_id] = Stuck(
            server_id, record.source_compute,
            record.dest_compute or requested.get(server_id), now - created,
            names.get(server_id))
    return result


def _unix_time(text):
    """Nova's ISO time (UTC, with or without a zone) as unix time."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when.timestamp()


def natural_key(text):
    return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', text)]


def number(value):
    """``value`` as a finite float >= 0, or None (missing, not a number,
    negative, NaN, infinite)."""
    if isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(result) or result < 0:
        return None
    return result


def capacity(inventory, mode):
    """Usable amount of one resource class ``Inventory``."""
    usable = float(inventory.total or 0) - float(inventory.reserved or 0)
    if mode == 'allocation':
        usable *= float(inventory.allocation_ratio or 1.0)
    return max(usable, 0.0)


def inventory_problem(inventory):
    """Why a VCPU/MEMORY_MB inventory cannot be used, or None."""
    for rc in RESOURCE_CLASSES:
        if rc not in inventory:
            return f'no {rc} inventory'
        record = inventory[rc]
        for field in ('total', 'reserved', 'allocation_ratio'):
            raw = getattr(record, field, None)
            if raw is None and field != 'total':
                continue
            if number(raw) is None:
                return f'{rc} {field}={raw!r} is not a number >= 0'
        if not capacity(record, 'physical') > 0:
            return f'{rc} has no capacity (total {record.total!r})'
        if record.allocation_ratio is not None and \
                not number(record.allocation_ratio) > 0:
            return f'{rc} allocation_ratio is 0'
    return None


def flavor_numbers(server):
    """(vcpus, ram) of a server's flavor as numbers (0 where unusable),
    and the fields that are not numbers >= 0."""
    flavor = server.flavor
    values, bad = [], []
    for key in ('vcpus', 'ram'):
        raw = getattr(flavor, key, None)
        value = number(raw)
        if value is None:
            bad.append(f'{key}={raw!r}')
        values.append(value or 0.0)
    return tuple(values), bad


def metadata_of(server):
    return server.metadata if isinstance(server.metadata, dict) else {}


def service_problem(services):
    """Why a host whose nova-compute services (``ComputeService``) read
    now are these may not receive a server, or None."""
    if not services:
        return 'no nova-compute service now'
    for service in services:
        if service.state != 'up':
            return f'nova-compute is {service.state} now'
        if service.status != 'enabled':
            return f'nova-compute is {service.status} now' + (
                f' ({service.disabled_reason})'
                if service.disabled_reason else '')
    return None


# --- the steps ------------------------------------------------------------

def listed(servers, problems):
    """The servers listed well: no id, an id listed twice, a host-less
    server that should have one are reported. Returns (servers, {id: why
    its load is unknown}) -- a flavor without usable numbers."""
    result, seen = [], set()
    for srv in servers:
        sid = getattr(srv, 'id', None)
        if not sid or not isinstance(sid, str):
            problems.append(Problem('server-without-id',
                                    f'a listed server has no id: {srv!r}; '
                                    f'left out'))
            continue
        if sid in seen:
            problems.append(Problem('duplicate-server', 'listed twice; '
                                    'the second is left out', sid))
            continue
        seen.add(sid)
        result.append(srv)
        if not srv.host and srv.status not in NO_HOST_STATUSES:
            problems.append(Problem(
                'no-host', f'status {srv.status!r} but no host; not '
                f'counted as load anywhere', sid))
    # A server whose flavor gives no usable vCPUs/RAM has an unknown load:
    # it never moves and its host is never a target (nothing is decided on
    # a number the cloud did not give).
    unknown_load = {}
    for srv in result:
        _, bad = flavor_numbers(srv)
        if bad and srv.host:
            unknown_load[srv.id] = ', '.join(bad)
            problems.append(Problem(
                'bad-flavor', f'flavor {", ".join(bad)} is not a number '
                f'>= 0: load unknown, server pinned, host {srv.host} '
                f'not a target', srv.id))
    return result, unknown_load


def thresholds(aggregates, options, problems):
    """host -> (cpu_threshold, mem_threshold) overrides from aggregate
    metadata; the lowest value of all aggregates a host is in wins."""
    result = {}
    keys = ((0, options.cpu_threshold_metadata_key),
            (1, options.mem_threshold_metadata_key))
    for agg in aggregates:
        metadata = agg.metadata or {}
        for index, key in keys:
            if key not in metadata:
                continue
            try:
                value = float(metadata[key])
            except (TypeError, ValueError):
                value = None
            if value is None or not 0.0 < value <= 1.0:
                problems.append(Problem(
                    'bad-aggregate-threshold',
                    f'aggregate {agg.name!r}: {key}='
                    f'{metadata[key]!r} is not a fraction in (0, 1]; '
                    f'ignored'))
                continue
            for host in agg.hosts or ():
                current = result.setdefault(host, [None, None])
                if current[index] is None or value < current[index]:
                    current[index] = value
    return result


def multi_node(hypervisors):
    """compute host -> its node names, for the compute hosts that serve
    several nodes."""
    nodes = {}
    for hyp in hypervisors:
        if hyp.service_host and hyp.hypervisor_hostname:
            nodes.setdefault(hyp.service_host, []).append(
                hyp.hypervisor_hostname)
    return {host: sorted(names, key=natural_key)
            for host, names in nodes.items() if len(names) > 1}


def host_name(hyp, several):
    """The host name of a hypervisor: its service host, or its node name
    when its service host is one of ``several`` (``multi_node``)."""
    if hyp.service_host in several and hyp.hypervisor_hostname:
        return hyp.hypervisor_hostname
    return hyp.service_host or hyp.hypervisor_hostname


def on_nodes(servers, several):
    """``servers`` with the host of those on a compute host of
    ``several`` set to their node, the host name ``host_name`` gives."""
    return [dataclasses.replace(s, host=s.node)
            if s.host in several and s.node else s for s in servers]


def hosts(hypervisors, inventories, options, overrides, unknown_on,
          problems, quarantined=None):
    """host name -> (core Host, HostFacts), in natural name order.
    ``quarantined``: {host: why} of hosts put out of the target set (a
    migration to them failed, see actuators.limits.Quarantine)."""
    quarantined = quarantined or {}
    several = multi_node(hypervisors)
    for compute_host, nodes in sorted(several.items()):
        problems.append(Problem(
            'multi-node-host',
            f'compute host {compute_host} serves {len(nodes)} nodes '
            f'({nodes[0]} ... {nodes[-1]}): each node is a host here; '
            f'their servers stay and none is moved to them (Nova '
            f'live-migrates to a host, not a node)'))
    result = {}
    for hyp in sorted(hypervisors,
                      key=lambda h: natural_key(host_name(h, several)
                                                or '')):
        name = host_name(hyp, several)
        compute_host = hyp.service_host if hyp.service_host in several \
            else None
        if not name:
            problems.append(Problem(
                'hypervisor-without-host',
                f'hypervisor {hyp.id} has no service host; left out'))
            continue
        if name in result:
            problems.append(Problem(
                'duplicate-host', f'host {name}: second hypervisor '
                f'{hyp.id} left out'))
            continue
        inventory = inventories.get(hyp.id) or {}
        if 'VCPU' not in inventory or 'MEMORY_MB' not in inventory:
            problems.append(Problem(
                'no-inventory', f'host {name}: Placement has no VCPU/'
                f'MEMORY_MB inventory for resource provider {hyp.id}'
                f'; host and its servers left out'))
            continue
        why_bad = inventory_problem(inventory)
        if why_bad:
            problems.append(Problem(
                'bad-inventory', f'host {name}: resource provider '
                f'{hyp.id}: {why_bad}; host and its servers left out'))
            continue
        cpu_th, mem_th = overrides.get(name) or overrides.get(
            compute_host, (None, None))
        why = None
        if hyp.state != 'up':
            why = f'hypervisor state {hyp.state}'
        elif hyp.status != 'enabled':
            why = f'hypervisor status {hyp.status}'
        elif name in options.excluded_hosts or \
                compute_host in options.excluded_hosts:
            why = 'excluded by [hotspot] excluded_hosts'
        elif compute_host is not None:
            why = (f'one of {len(several[compute_host])} nodes of compute '
                   f'host {compute_host} (Nova live-migrates to a host, '
                   f'not a node)')
        elif name in unknown_on:
            why = f'server {unknown_on[name]} on it has an unknown load'
        elif name in quarantined:
            why = quarantined[name]
        result[name] = (
            model.Host(
                name=name,
                vcpus=capacity(inventory['VCPU'], options.capacity),
                memory_mb=capacity(inventory['MEMORY_MB'],
                                   options.capacity),
                cpu_threshold=cpu_th or options.cpu_threshold,
                mem_threshold=mem_th or options.mem_threshold,
                enabled=why is None),
            HostFacts(name=name, hypervisor_id=hyp.id, state=hyp.state,
                      status=hyp.status, target=why is None,
                      why_not_target=why, compute_host=compute_host))
    return result


def placed(servers, known_hosts, problems):
    """The servers with a host of ``known_hosts``, in creation order; one
    on an unknown host is reported and left out."""
    result = []
    for srv in sorted(servers, key=lambda s: (str(s.created or ''), s.id)):
        host = srv.host
        if not host:
            continue
        if not isinstance(host, str) or host not in known_hosts:
            problems.append(Problem(
                'unknown-host', f'on host {host!r}, which is not in the '
                f'snapshot; left out', srv.id))
            continue
        result.append(srv)
    return result


def pins(srv, host, options, affinity_group=None, busy_member=None,
         group=None, extra=None, unknown_load=None):
    """Why server ``srv`` (on host with HostFacts ``host``) may not move:
    a tuple of reasons, empty when it may."""
    reasons = []
    meta = metadata_of(srv)
    if str(meta.get(options.optout_metadata_key, '')).strip().lower() \
            in TRUE_VALUES:
        reasons.append(f'opted out ({options.optout_metadata_key})')
    if str(srv.project_id) in options.excluded_projects:
        reasons.append('project excluded')
    if srv.locked:
        reasons.append('locked')
    if affinity_group is not None:
        reasons.append(f'member of affinity group {affinity_group}')
    if not host.target and (host.state != 'up'
                            or host.name in options.excluded_hosts
                            or host.compute_host is not None):
        reasons.append(f'host {host.name} {host.why_not_target}')
    if extra:
        reasons.append(extra)
    if unknown_load:
        reasons.append(f'load unknown ({unknown_load})')
    if busy_member is not None:
        reasons.append(f'member {busy_member} of its group {group} is '
                       f'migrating')
    return tuple(reasons)


def loads(servers, report, source, problems, measures_memory=False):
    """server id -> (cpu, mem, memory measured): the usage report's
    numbers, the flavor for a server it leaves out or gives bad numbers for
    (reported). "Memory measured" says whether ``mem`` is memory really in
    use (a source that measures memory gave it), which is then what a live
    migration copies."""
    values = getattr(report, 'values', None) or {}
    problems.extend(getattr(report, 'problems', None) or ())
    result = {}
    for srv in servers:
        load = flavor_numbers(srv)[0] + (False,)
        if srv.id in values:
            value = values[srv.id]
            cpu = number(getattr(value, 'cpu', None))
            mem = number(getattr(value, 'mem_mb', None))
            if cpu is None or mem is None:
                problems.append(Problem(
                    'bad-usage', f'usage {value!r} from {source} is not '
                    f'two numbers >= 0; the flavor is used instead', srv.id))
            else:
                load = (cpu, mem, measures_memory)
        result[srv.id] = load
    return result


def local_disk_mb(srv):
    """MB of local disk a block migration of ``srv`` copies: its root disk
    unless it boots from a volume, its ephemeral disk and swap (flavor
    sizes: GB for disks, MB for swap; an unusable number counts 0)."""
    flavor = srv.flavor
    root = 0.0 if srv.volume_backed else (
        number(getattr(flavor, 'disk', None)) or 0.0)
    ephemeral = number(getattr(flavor, 'ephemeral', None)) or 0.0
    swap = number(getattr(flavor, 'swap', None)) or 0.0
    return (root + ephemeral) * 1024.0 + swap


def data_mb(srv, load, instance_storage):
    """What a live migration of ``srv`` copies: its memory in use where
    the usage source measured it, else its flavor's RAM; plus its local
    disks with local instance storage (a block migration)."""
    mem_measured = len(load) > 2 and load[2]
    memory = load[1] if mem_measured else flavor_numbers(srv)[0][1]
    disk = local_disk_mb(srv) if instance_storage == 'local' else 0.0
    return max(memory + disk, 1.0)


def core_server(srv, load, group, role, pinned, instance_storage='local'):
    """The core ``Server`` of a record; ``load`` is (cpu, mem[, memory
    measured])."""
    (vcpus, ram), _ = flavor_numbers(srv)
    status = srv.status or 'UNKNOWN'
    if srv.task_state:
        status = f'{status}/{srv.task_state}'
    return model.Server(
        id=srv.id, host=srv.host, vcpus=vcpus, memory_mb=ram, cpu=load[0],
        mem=load[1], data_mb=data_mb(srv, load, instance_storage),
        role=role, group=group, name=srv.name, status=status,
        project=srv.project_id, pinned=bool(pinned))


# --- the whole cloud ------------------------------------------------------

def build(raw, options, usage, extra_pins=None, quarantined=None,
          stuck_migrations=None):
    """Map ``RawCloud`` onto a Collection (pure when ``usage`` is).

    ``usage(servers)`` returns a ``UsageReport`` (``values``: {server id:
    ``ServerUsage``}, ``problems``) for the ``cloud.records.Server`` given;
    a server it leaves out is loaded with its flavor. ``extra_pins`` maps
    server ids to a reason they may not move (e.g. their cooldown);
    ``quarantined`` maps host names to why they are no targets now;
    ``stuck_migrations`` ({server id: Stuck}): both hosts of each are no
    targets and their servers stay where they are.
    """
    stuck_migrations = stuck_migrations or {}
    quarantined = dict(quarantined or {})
    extra_pins = dict(extra_pins or {})
    stuck_hosts = {}
    for item in stuck_migrations.values():
        for host in (item.source, item.target):
            if host:
                stuck_hosts.setdefault(host, str(item))
    for host, why in stuck_hosts.items():
        quarantined.setdefault(host, why)
    extra_pins = extra_pins or {}
    problems = []
    overrides = thresholds(raw.aggregates, options, problems)
    servers, unknown_load = listed(
        on_nodes(raw.servers, multi_node(raw.hypervisors)), problems)
    unknown_on = {}
    for srv in servers:
        if srv.id in unknown_load:
            unknown_on.setdefault(srv.host, srv.id)
    host_map = hosts(raw.hypervisors, raw.inventories, options, overrides,
                     unknown_on, problems, quarantined)
    facts = {name: f for name, (_, f) in host_map.items()}

    metadata = {s.id: metadata_of(s) for s in servers}
    # Migrations in flight in Nova (e.g. started by an agent that was
    # killed): their servers are busy and no member of their business may
    # start moving until they end (Nova does not re-check anti-affinity
    # between parallel live migrations, Launchpad bug 1821755).
    migrating = {s.id: s.host for s in servers if s.migrating}
    assignments, role_problems = roles_mod.assign_roles(
        raw.groups, metadata, options.role_metadata_key)
    problems.extend(role_problems)
    affinity = {}
    for group in raw.groups:
        for member in group.members:
            if group.policy == HARD_AFFINITY:
                affinity.setdefault(member, group.id)

    on_hosts = placed(servers, facts, problems)
    pinned = {}
    for srv in on_hosts:
        assignment = assignments[srv.id]
        busy = None
        if assignment.group is not None:
            busy = next(iter(sorted(
                m for m in migrating if m != srv.id
                and assignments.get(m) is not None
                and assignments[m].group == assignment.group)), None)
        extra = extra_pins.get(srv.id)
        if srv.host in stuck_hosts:
            extra = '; '.join(filter(None, (
                extra, f'host {srv.host}: {stuck_hosts[srv.host]}')))
        pinned[srv.id] = pins(
            srv, facts[srv.host], options, affinity.get(srv.id), busy,
            assignment.group, extra, unknown_load.get(srv.id))

    load = loads(on_hosts, usage(on_hosts),
                 getattr(usage, 'name', None) or 'the usage source',
                 problems, getattr(usage, 'measures_memory', False))
    cluster = model.Cluster(
        [h for h, _ in host_map.values()],
        [core_server(s, load[s.id], assignments[s.id].group,
                     assignments[s.id].role, pinned[s.id],
                     options.instance_storage)
         for s in on_hosts])
    return Collection(cluster=cluster, hosts=facts, pins=pinned,
                      problems=problems, options=options,
                      migrating=migrating, stuck=stuck_migrations)


# --- one move, again ------------------------------------------------------

def fresh_cluster(collection, migration, server, on_target, members,
                  target_services, incoming=()):
    """A small cluster of what the cloud says now about one planned move,
    built by the same steps: ``server`` (the record read now, or None),
    ``on_target`` (records of the servers on the target now), ``members``
    (member ids of the server's group now), ``target_services`` (the
    target's nova-compute services now, or None if not read), ``incoming``
    (ids of other migrations in flight to the target: counted on it).

    Returns (cluster, facts, pins): ``facts`` the HostFacts by name (the
    target's updated), ``pins`` the moving server's reasons not to move.
    Hosts and loads known from the collection are reused; a server the
    collection does not know is loaded with its flavor.
    """
    old = collection.cluster
    facts = dict(collection.hosts)
    target = facts.get(migration.target)
    if target is not None and target.target and target_services is not None:
        why = service_problem(target_services)
        if why is not None:
            facts[migration.target] = dataclasses.replace(
                target, target=False, why_not_target=why)
    host_list = [dataclasses.replace(h, enabled=facts[h.name].target)
                 for h in old.hosts]

    problems = []
    group = None
    if old.server_index(migration.server) is not None:
        group = old.server(migration.server).group
    members = set(members) - {migration.server}
    records = []
    if server is not None:
        records.append(server)
    records.extend(s for s in on_target if s.id != migration.server)
    records, _ = listed(records, problems)
    records = placed(records, facts, problems)

    def known(sid):
        i = old.server_index(sid)
        return None if i is None else old.servers[i]

    servers = []
    mover_pins = ()
    for srv in records:
        before = known(srv.id)
        load = ((before.cpu, before.mem) if before is not None
                else flavor_numbers(srv)[0])
        if srv.id == migration.server:
            mover_pins = pins(srv, facts[srv.host], collection.options)
            servers.append(core_server(
                srv, load, group, before.role if before else None,
                mover_pins, collection.options.instance_storage))
        else:
            servers.append(core_server(
                srv, load, group if srv.id in members else None, None,
                True, collection.options.instance_storage))
    listed_ids = {s.id for s in servers}
    for sid in incoming:
        before = known(sid)
        if sid in listed_ids or before is None:
            continue
        servers.append(dataclasses.replace(
            before, host=migration.target, pinned=True,
            group=group if sid in members else None))
    return model.Cluster(host_list, servers), facts, mover_pins
