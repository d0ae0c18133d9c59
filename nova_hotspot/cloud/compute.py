"""Gateways to Nova: typed reads and the one write (live migration).

Each gateway wraps one openstacksdk connection; every call runs under
``errors()`` so only ``exceptions.CloudError`` leaves, and a 404 that means
"not there" becomes None inside the gateway.
"""

from openstack import exceptions as sdk_exc

from nova_hotspot.cloud import records
from nova_hotspot.cloud.translate import errors
from nova_hotspot.cloud.translate import none_if_missing

#: Microversion of the hypervisor listing: >= 2.53 gives uuids (== the
#: Placement resource provider) and the service host; from 2.88 on, Nova
#: asks every compute for its uptime over RPC while listing, so one hung
#: nova-compute makes the whole listing fail after rpc_response_timeout.
HYPERVISOR_LIST_MICROVERSION = '2.53'
#: At >= 2.34 Nova answers a live migration at once and runs its
#: pre-checks asynchronously (the SDK asks at 2.30: a hung target then
#: blocks the request, and an API worker, for rpc_response_timeout).
#: 2.68: no "force" any more.
LIVE_MIGRATE_MICROVERSION = '2.68'
#: Aborting a live migration (``DELETE /servers/{id}/migrations/{id}``):
#: >= 2.24 while it runs, >= 2.65 also while it is queued or preparing.
ABORT_MICROVERSION = '2.65'


def _server(server):
    """The record of an openstacksdk Server."""
    flavor = server.flavor or {}
    get = flavor.get if isinstance(flavor, dict) else (
        lambda k: getattr(flavor, k, None))
    return records.Server(
        id=server.id, name=server.name, host=server.compute_host,
        status=server.status, task_state=server.task_state,
        locked=bool(server.is_locked), project_id=server.project_id,
        metadata=dict(server.metadata or {}), created=server.created_at,
        flavor=records.Flavor(vcpus=get('vcpus'), ram=get('ram'),
                              disk=get('disk'), ephemeral=get('ephemeral'),
                              swap=get('swap')),
        volume_backed=not _image_id(server.image),
        node=server.hypervisor_hostname)


def _image_id(image):
    """The image id of a server's ``image`` ('' or {} when it boots from
    a volume)."""
    if isinstance(image, dict):
        return image.get('id')
    return getattr(image, 'id', None) or None


class Hypervisors:
    def __init__(self, conn):
        self._conn = conn

    def list(self):
        """Every hypervisor, paginated by Nova's links (raw GET at
        ``HYPERVISOR_LIST_MICROVERSION``)."""
        result = []
        url = '/os-hypervisors/detail'
        with errors('listing hypervisors'):
            while url:
                response = self._conn.compute.get(
                    url, microversion=HYPERVISOR_LIST_MICROVERSION)
                sdk_exc.raise_from_response(response)
                body = response.json()
                for h in body.get('hypervisors') or ():
                    result.append(records.Hypervisor(
                        id=h.get('id'),
                        hypervisor_hostname=h.get('hypervisor_hostname'),
                        state=h.get('state'), status=h.get('status'),
                        service_host=(h.get('service') or {}).get('host')))
                url = next((link.get('href') for link in
                            body.get('hypervisors_links') or ()
                            if link.get('rel') == 'next'), None)
        return result

    def probe(self, what):
        """List one hypervisor (checks the listing right)."""
        with errors(what):
            next(iter(self._conn.compute.hypervisors(limit=1)), None)


class Servers:
    def __init__(self, conn):
        self._conn = conn

    def list(self):
        """Every server of every project, details included."""
        with errors('listing servers'):
            return [_server(s) for s in self._conn.compute.servers(
                details=True, all_projects=True)]

    def get(self, server_id):
        """One server now, or None if it is gone."""
        return none_if_missing(
            f'reading server {server_id}',
            lambda: _server(self._conn.compute.get_server(server_id)))

    def on_host(self, host):
        """The servers Nova places on compute host ``host`` now."""
        with errors(f'listing servers on {host}'):
            return [_server(s) for s in self._conn.compute.servers(
                details=True, all_projects=True, compute_host=host)]

    def live_migrate(self, server_id, host):
        """Ask Nova to live-migrate ``server_id`` to ``host`` (never
        forced: the scheduler still checks the target). Raises CloudError
        when Nova refuses."""
        with errors(f'live migration of {server_id} to {host} refused'):
            response = self._conn.compute.post(
                f'/servers/{server_id}/action',
                json={'os-migrateLive': {'host': host,
                                         'block_migration': 'auto'}},
                microversion=LIVE_MIGRATE_MICROVERSION)
            sdk_exc.raise_from_response(response)

    def diagnostics(self, server_id):
        """``records.Diagnostics`` of one server now."""
        with errors(f'diagnostics of server {server_id}'):
            diag = self._conn.compute.get_server_diagnostics(
                server_id).to_dict()
        details = diag.get('cpu_details') or []
        times = tuple(d.get('time') if isinstance(d, dict) else None
                      for d in details)
        memory = diag.get('memory_details')
        used = memory.get('used') if isinstance(memory, dict) else None
        return records.Diagnostics(cpu_times=times, memory_used=used)


class ServerGroups:
    def __init__(self, conn):
        self._conn = conn

    def list(self):
        """Every server group of every project."""
        with errors('listing server groups'):
            return [records.ServerGroup(
                id=g.id, name=g.name,
                policy=g.policy or ((g.policies or [None])[0]),
                members=tuple(g.member_ids or ()))
                for g in self._conn.compute.server_groups(all_projects=True)]

    def members(self, group_id):
        """The member ids of one group now."""
        with errors(f'reading server group {group_id}'):
            return tuple(self._conn.compute.get_server_group(
                group_id).member_ids or ())


class Aggregates:
    def __init__(self, conn):
        self._conn = conn

    def list(self):
        with errors('listing aggregates'):
            return [records.Aggregate(name=a.name, hosts=tuple(a.hosts or ()),
                                      metadata=dict(a.metadata or {}))
                    for a in self._conn.compute.aggregates()]


class Services:
    def __init__(self, conn):
        self._conn = conn

    def compute(self, host):
        """The nova-compute service(s) of ``host`` now."""
        with errors(f'reading the compute service of {host}'):
            return [records.ComputeService(
                host=s.host, state=s.state, status=s.status,
                disabled_reason=s.disabled_reason)
                for s in self._conn.compute.services(
                    host=host, binary='nova-compute')]


class Migrations:
    def __init__(self, conn):
        self._conn = conn

    def latest_live(self, server_id):
        """The newest live-migration record of a server, or None."""
        with errors(f'listing migrations of {server_id}'):
            found = [records.Migration(id=m.id, status=m.status,
                                       created_at=m.created_at,
                                       source_compute=m.source_compute,
                                       dest_compute=m.dest_compute)
                     for m in self._conn.compute.migrations(
                         server_id=server_id,
                         migration_type='live-migration')]
        found.sort(key=lambda m: (m.created_at or '', m.id or 0))
        return found[-1] if found else None

    def abort(self, server_id, migration_id):
        """Ask Nova to abort live migration ``migration_id`` of a server
        (Nova answers at once; the abort itself runs on the source
        compute). Raises CloudError with Nova's reason when it refuses,
        e.g. a migration Nova's conductor still pre-checks (``accepted``)
        or one already over."""
        with errors(f'migration {migration_id}'):
            response = self._conn.compute.delete(
                f'/servers/{server_id}/migrations/{migration_id}',
                microversion=ABORT_MICROVERSION)
            sdk_exc.raise_from_response(response)

    def failure_reason(self, server_id):
        """Why Nova says the last live migration of a server failed: the
        failed events of its instance action (microversion >= 2.84 gives
        their details). Empty if Nova does not say; CloudError if the
        actions cannot be read."""
        compute = self._conn.compute
        with errors(f'reading the instance actions of {server_id}'):
            actions = [a for a in compute.server_actions(server_id)
                       if a.action == 'live-migration']
            if not actions:
                return ''
            latest = max(actions, key=lambda a: a.start_time or '')
            action = compute.get_server_action(latest.request_id, server_id)
        failed = []
        for event in action.events or ():
            get = event.get if isinstance(event, dict) else (
                lambda k, e=event: getattr(e, k, None))
            if (get('result') or '').lower() != 'error':
                continue
            text = get('details') or ''
            if not text and get('traceback'):
                text = get('traceback').strip().splitlines()[-1]
            failed.append(f'{get("event")}: {" ".join(text.split())}'
                          if text else str(get('event')))
        return '; '.join(failed) or (action.message or '')
