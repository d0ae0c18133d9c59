"""Turn a live cloud into a core snapshot (``model.Cluster``).

Two steps: ``fetch`` makes the API calls (whole-cloud listings; the only
per-host call is one Placement inventory read per resource provider, for
which no list call exists) and returns plain data (``RawCloud``); ``build``
is pure and maps that data onto the core model, keeping what the core does
not know in collector-side records (``HostRecord``, ``ServerRecord``).

Deliberate rules (see doc/agent.md):

- hosts: the hypervisor's service host is the host name (what live
  migration takes). A host is a target only when its hypervisor is ``up``
  and ``enabled``, it is not in ``excluded_hosts`` and Placement has VCPU
  and MEMORY_MB inventory for it. A hypervisor without that inventory is
  left out, with its servers (a problem is reported). Servers on a host
  that is down or excluded may not move (Nova cannot live-migrate off a
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
import math
import re
import time

from openstack import exceptions as sdk_exc

from nova_hotspot.agent import roles as roles_mod
from nova_hotspot.cloud import errors
from nova_hotspot.core import model

TRUE_VALUES = frozenset({'true', 'yes', '1', 'on'})
#: Statuses in which a server normally has no host.
NO_HOST_STATUSES = frozenset({'BUILD', 'SHELVED_OFFLOADED', 'DELETED',
                              'SOFT_DELETED'})
HARD_AFFINITY = 'affinity'
#: Task states of a server Nova is moving (live or cold).
MIGRATING_TASK_STATES = frozenset({'migrating', 'resize_prep',
                                   'resize_migrating', 'resize_migrated',
                                   'resize_finish'})


@dataclasses.dataclass(frozen=True)
class RawCloud:
    """What the API said, as plain data.

    hypervisors: dicts with id, hypervisor_hostname, state, status,
    service_host. inventories: resource provider id -> resource class ->
    dict(total, reserved, allocation_ratio); a provider Placement does not
    know is absent. servers: dicts with id, name, host, status, task_state,
    locked, project_id, metadata, created, flavor (dict with vcpus, ram,
    disk). groups: ``roles.Group``. aggregates: dicts with name, hosts,
    metadata.
    """

    hypervisors: list
    inventories: dict
    servers: list
    groups: list
    aggregates: list


@dataclasses.dataclass(frozen=True)
class HostRecord:
    name: str
    hypervisor_id: str
    state: str | None
    status: str | None
    vcpus: float
    memory_mb: float
    cpu_threshold: float
    mem_threshold: float
    target: bool
    why_not_target: str | None = None


@dataclasses.dataclass(frozen=True)
class ServerRecord:
    id: str
    name: str | None
    host: str
    status: str
    task_state: str | None
    locked: bool
    project: str | None
    metadata: dict
    vcpus: float
    ram: float
    disk: float
    group: str | None = None
    group_policy: str | None = None
    role: model.Role | None = None
    pinned_by: tuple = ()

    @property
    def movable_status(self):
        return self.status == model.ACTIVE and not self.task_state


@dataclasses.dataclass
class Collection:
    """One cycle's view of the cloud."""

    cluster: model.Cluster
    hosts: dict
    servers: dict
    usage: dict
    problems: list
    api_calls: dict = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    #: server id -> its host, for every server Nova is migrating now
    #: (whoever started it: a previous agent, an operator).
    migrating: dict = dataclasses.field(default_factory=dict)

    def records_on(self, host):
        return [s for s in self.servers.values() if s.host == host]


def natural_key(text):
    return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', text)]


def _problem(kind, message, server=None, group=None):
    return roles_mod.Problem(kind, message, server, group)


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


def inventory_problem(inventory):
    """Why a VCPU/MEMORY_MB inventory cannot be used, or None."""
    for rc in ('VCPU', 'MEMORY_MB'):
        if rc not in inventory:
            return f'no {rc} inventory'
        record = inventory[rc] or {}
        for field in ('total', 'reserved', 'allocation_ratio'):
            raw = record.get(field)
            if raw is None and field != 'total':
                continue
            if number(raw) is None:
                return f'{rc} {field}={raw!r} is not a number >= 0'
        if not capacity(record, 'physical') > 0:
            return f'{rc} has no capacity (total {record.get("total")!r})'
        if record.get('allocation_ratio') is not None and \
                not number(record['allocation_ratio']) > 0:
            return f'{rc} allocation_ratio is 0'
    return None


def is_migrating(server):
    """Whether Nova is migrating this server (plain data) right now."""
    return (server.get('status') == 'MIGRATING'
            or server.get('task_state') in MIGRATING_TASK_STATES)


def capacity(inventory, mode):
    """Usable amount of one resource class inventory record."""
    usable = float(inventory.get('total', 0)) - float(
        inventory.get('reserved', 0) or 0)
    if mode == 'allocation':
        usable *= float(inventory.get('allocation_ratio', 1.0) or 1.0)
    return max(usable, 0.0)


def thresholds(aggregates, settings, problems):
    """host -> (cpu_threshold, mem_threshold) overrides from aggregate
    metadata; the lowest value of all aggregates a host is in wins."""
    result = {}
    keys = ((0, settings.cpu_threshold_metadata_key),
            (1, settings.mem_threshold_metadata_key))
    for agg in aggregates:
        metadata = agg.get('metadata') or {}
        for index, key in keys:
            if key not in metadata:
                continue
            try:
                value = float(metadata[key])
            except (TypeError, ValueError):
                value = None
            if value is None or not 0.0 < value <= 1.0:
                problems.append(_problem(
                    'bad-aggregate-threshold',
                    f'aggregate {agg.get("name")!r}: {key}='
                    f'{metadata[key]!r} is not a fraction in (0, 1]; '
                    f'ignored'))
                continue
            for host in agg.get('hosts') or ():
                current = result.setdefault(host, [None, None])
                if current[index] is None or value < current[index]:
                    current[index] = value
    return result


def build(raw, settings, usage, extra_pins=None):
    """Map ``RawCloud`` onto a Collection (pure when ``usage`` is).

    ``usage(records)`` returns ``({server id: (cpu, mem)}, problems)`` for
    the records given; a server it leaves out is loaded with its flavor.
    ``extra_pins`` maps server ids to a reason they may not move (e.g.
    their cooldown).
    """
    extra_pins = extra_pins or {}
    problems = []
    overrides = thresholds(raw.aggregates, settings, problems)

    # Servers the API listed badly: no id, an id listed twice, a host-less
    # server that should have one, a flavor without usable numbers.
    raw_servers, seen = [], set()
    for srv in raw.servers:
        sid = srv.get('id') if isinstance(srv, dict) else None
        if not sid or not isinstance(sid, str):
            problems.append(_problem('server-without-id',
                                     f'a listed server has no id: {srv!r}; '
                                     f'left out'))
            continue
        if sid in seen:
            problems.append(_problem('duplicate-server', 'listed twice; '
                                     'the second is left out', sid))
            continue
        seen.add(sid)
        raw_servers.append(srv)
        if not srv.get('host') and srv.get('status') not in NO_HOST_STATUSES:
            problems.append(_problem(
                'no-host', f'status {srv.get("status")!r} but no host; not '
                f'counted as load anywhere', sid))
    # A server whose flavor gives no usable vCPUs/RAM has an unknown load:
    # it never moves and its host is never a target (nothing is decided on
    # a number the cloud did not give).
    unknown_load = {}
    for srv in raw_servers:
        flavor = srv.get('flavor') if isinstance(srv.get('flavor'),
                                                 dict) else {}
        bad = [f'{k}={flavor.get(k)!r}' for k in ('vcpus', 'ram')
               if number(flavor.get(k)) is None]
        if bad and srv.get('host'):
            unknown_load[srv['id']] = ', '.join(bad)
            problems.append(_problem(
                'bad-flavor', f'flavor {", ".join(bad)} is not a number '
                f'>= 0: load unknown, server pinned, host {srv["host"]} '
                f'not a target', srv['id']))
    unknown_on = {}
    for srv in raw_servers:
        if srv['id'] in unknown_load:
            unknown_on.setdefault(srv['host'], srv['id'])

    hosts = {}
    for hyp in sorted(raw.hypervisors,
                      key=lambda h: natural_key(h.get('service_host') or
                                                h.get('hypervisor_hostname')
                                                or '')):
        name = hyp.get('service_host') or hyp.get('hypervisor_hostname')
        if not name:
            problems.append(_problem(
                'hypervisor-without-host',
                f'hypervisor {hyp.get("id")} has no service host; left out'))
            continue
        if name in hosts:
            problems.append(_problem(
                'duplicate-host', f'host {name}: second hypervisor '
                f'{hyp.get("id")} left out'))
            continue
        inventory = raw.inventories.get(hyp.get('id')) or {}
        if 'VCPU' not in inventory or 'MEMORY_MB' not in inventory:
            problems.append(_problem(
                'no-inventory', f'host {name}: Placement has no VCPU/'
                f'MEMORY_MB inventory for resource provider {hyp.get("id")}'
                f'; host and its servers left out'))
            continue
        why_bad = inventory_problem(inventory)
        if why_bad:
            problems.append(_problem(
                'bad-inventory', f'host {name}: resource provider '
                f'{hyp.get("id")}: {why_bad}; host and its servers left '
                f'out'))
            continue
        cpu_th, mem_th = overrides.get(name, (None, None))
        why = None
        if hyp.get('state') != 'up':
            why = f'hypervisor state {hyp.get("state")}'
        elif hyp.get('status') != 'enabled':
            why = f'hypervisor status {hyp.get("status")}'
        elif name in settings.excluded_hosts:
            why = 'excluded by [hotspot] excluded_hosts'
        elif name in unknown_on:
            why = f'server {unknown_on[name]} on it has an unknown load'
        hosts[name] = HostRecord(
            name=name, hypervisor_id=hyp.get('id'),
            state=hyp.get('state'), status=hyp.get('status'),
            vcpus=capacity(inventory['VCPU'], settings.capacity),
            memory_mb=capacity(inventory['MEMORY_MB'], settings.capacity),
            cpu_threshold=cpu_th or settings.cpu_threshold,
            mem_threshold=mem_th or settings.mem_threshold,
            target=why is None, why_not_target=why)

    metadata = {s['id']: s.get('metadata') if isinstance(
        s.get('metadata'), dict) else {} for s in raw_servers}
    # Migrations in flight in Nova (e.g. started by an agent that was
    # killed): their servers are busy and no member of their business may
    # start moving until they end (Nova does not re-check anti-affinity
    # between parallel live migrations, Launchpad bug 1821755).
    migrating = {s['id']: s.get('host') for s in raw_servers
                 if is_migrating(s)}
    assignments, role_problems = roles_mod.assign_roles(
        raw.groups, metadata, settings.role_metadata_key)
    problems.extend(role_problems)
    policy = {}
    affinity = {}
    for group in raw.groups:
        for member in group.members:
            policy.setdefault(member, group)
            if group.policy == HARD_AFFINITY:
                affinity.setdefault(member, group.id)

    records = []
    for srv in sorted(raw_servers,
                      key=lambda s: (str(s.get('created') or ''), s['id'])):
        host = srv.get('host')
        if not host:
            continue
        if not isinstance(host, str) or host not in hosts:
            problems.append(_problem(
                'unknown-host', f'on host {host!r}, which is not in the '
                f'snapshot; left out', srv['id']))
            continue
        flavor = srv.get('flavor') if isinstance(srv.get('flavor'),
                                                 dict) else {}
        pins = []
        meta = metadata[srv['id']]
        if str(meta.get(settings.optout_metadata_key, '')).strip().lower() \
                in TRUE_VALUES:
            pins.append(f'opted out ({settings.optout_metadata_key})')
        if str(srv.get('project_id')) in settings.excluded_projects:
            pins.append('project excluded')
        if srv.get('locked'):
            pins.append('locked')
        group = policy.get(srv['id'])
        if srv['id'] in affinity:
            pins.append(f'member of affinity group {affinity[srv["id"]]}')
        if not hosts[host].target and (
                hosts[host].state != 'up'
                or host in settings.excluded_hosts):
            pins.append(f'host {host} {hosts[host].why_not_target}')
        if srv['id'] in extra_pins:
            pins.append(extra_pins[srv['id']])
        if srv['id'] in unknown_load:
            pins.append(f'load unknown ({unknown_load[srv["id"]]})')
        assignment = assignments[srv['id']]
        if assignment.group is not None:
            busy = sorted(m for m in migrating if m != srv['id']
                          and assignments.get(m) is not None
                          and assignments[m].group == assignment.group)
            if busy:
                pins.append(f'member {busy[0]} of its group '
                            f'{assignment.group} is migrating')
        records.append(ServerRecord(
            id=srv['id'], name=srv.get('name'), host=host,
            status=srv.get('status') or 'UNKNOWN',
            task_state=srv.get('task_state'),
            locked=bool(srv.get('locked')),
            project=srv.get('project_id'), metadata=meta,
            vcpus=number(flavor.get('vcpus')) or 0.0,
            ram=number(flavor.get('ram')) or 0.0,
            disk=number(flavor.get('disk')) or 0.0,
            group=assignment.group,
            group_policy=group.policy if group is not None else None,
            role=assignment.role, pinned_by=tuple(pins)))

    loads, usage_problems = usage(records)
    problems.extend(usage_problems)
    servers = []
    usage_by_id = {}
    for rec in records:
        cpu, mem = rec.vcpus, rec.ram
        if rec.id in loads:
            value = loads[rec.id]
            try:
                cpu_u, mem_u = (number(v) for v in value)
            except (TypeError, ValueError):
                cpu_u = mem_u = None
            if cpu_u is None or mem_u is None:
                problems.append(_problem(
                    'bad-usage', f'usage {value!r} from '
                    f'{getattr(usage, "name", "the usage source")} is not '
                    f'two numbers >= 0; the flavor is used instead', rec.id))
            else:
                cpu, mem = cpu_u, mem_u
        usage_by_id[rec.id] = (cpu, mem)
        status = rec.status
        if rec.task_state:
            status = f'{status}/{rec.task_state}'
        servers.append(model.Server(
            id=rec.id, host=rec.host, vcpus=rec.vcpus, memory_mb=rec.ram,
            cpu=cpu, mem=mem, data_mb=max(rec.ram, 1.0), role=rec.role,
            group=rec.group, name=rec.name, status=status,
            project=rec.project, pinned=bool(rec.pinned_by)))
    cluster = model.Cluster(
        [model.Host(name=h.name, vcpus=h.vcpus, memory_mb=h.memory_mb,
                    cpu_threshold=h.cpu_threshold,
                    mem_threshold=h.mem_threshold, enabled=h.target)
         for h in hosts.values()], servers)
    return Collection(cluster=cluster, hosts=hosts,
                      servers={r.id: r for r in records}, usage=usage_by_id,
                      problems=problems, migrating=migrating)


# --- the API side --------------------------------------------------------

def server_dict(server):
    """Plain data of an openstacksdk Server."""
    flavor = server.flavor or {}
    get = flavor.get if isinstance(flavor, dict) else (
        lambda k: getattr(flavor, k, None))
    return {'id': server.id, 'name': server.name,
            'host': server.compute_host, 'status': server.status,
            'task_state': server.task_state,
            'locked': bool(server.is_locked),
            'project_id': server.project_id,
            'metadata': dict(server.metadata or {}),
            'created': server.created_at,
            'flavor': {'vcpus': get('vcpus'), 'ram': get('ram'),
                       'disk': get('disk')}}


#: Microversion of the hypervisor listing: >= 2.53 gives uuids (== the
#: Placement resource provider) and the service host; from 2.88 on, Nova
#: asks every compute for its uptime over RPC while listing, so one hung
#: nova-compute makes the whole listing fail after rpc_response_timeout.
HYPERVISOR_LIST_MICROVERSION = '2.53'


def list_hypervisors(conn):
    """Plain data of every hypervisor (paginated by Nova's links)."""
    result = []
    url = '/os-hypervisors/detail'
    while url:
        response = conn.compute.get(
            url, microversion=HYPERVISOR_LIST_MICROVERSION)
        sdk_exc.raise_from_response(response)
        body = response.json()
        for h in body.get('hypervisors') or ():
            result.append({
                'id': h.get('id'),
                'hypervisor_hostname': h.get('hypervisor_hostname'),
                'state': h.get('state'), 'status': h.get('status'),
                'service_host': (h.get('service') or {}).get('host')})
        url = next((link.get('href') for link in
                    body.get('hypervisors_links') or ()
                    if link.get('rel') == 'next'), None)
    return result


def fetch(cloud):
    """Read the cloud into a RawCloud (whole-cloud listings)."""
    conn = cloud.conn
    with errors('listing hypervisors'):
        hypervisors = list_hypervisors(conn)
    inventories = {}
    for hyp in hypervisors:
        with errors(f'reading Placement inventory of {hyp["id"]}'):
            try:
                inventories[hyp['id']] = {
                    inv.resource_class: {
                        'total': inv.total, 'reserved': inv.reserved,
                        'allocation_ratio': inv.allocation_ratio}
                    for inv in conn.placement.resource_provider_inventories(
                        hyp['id'])}
            except Exception as exc:  # a provider Placement does not know
                if getattr(exc, 'status_code', None) != 404:
                    raise
    with errors('listing servers'):
        servers = [server_dict(s) for s in
                   conn.compute.servers(details=True, all_projects=True)]
    with errors('listing server groups'):
        groups = [roles_mod.Group(
            id=g.id, name=g.name,
            policy=g.policy or ((g.policies or [None])[0]),
            members=tuple(g.member_ids or ()))
            for g in conn.compute.server_groups(all_projects=True)]
    with errors('listing aggregates'):
        aggregates = [{'name': a.name, 'hosts': list(a.hosts or ()),
                       'metadata': dict(a.metadata or {})}
                      for a in conn.compute.aggregates()]
    return RawCloud(hypervisors, inventories, servers, groups, aggregates)


def collect(cloud, settings, usage_source, extra_pins=None):
    """fetch + build, timing it and counting the API calls it made."""
    start = time.monotonic()
    before = cloud.counter.peek()
    raw = fetch(cloud)
    collection = build(raw, settings,
                       lambda records: usage_source.usage(cloud, records),
                       extra_pins)
    after = cloud.counter.peek()
    after.subtract(before)
    collection.api_calls = {k: v for k, v in after.items() if v > 0}
    collection.seconds = time.monotonic() - start
    return collection
