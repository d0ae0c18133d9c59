"""Helpers for functional tests against a real cloud (minicloud or other).

The pytest fixtures in conftest.py build these objects; tests use them
through the fixtures (see doc/minicloud.md), not directly.
"""

import dataclasses
import json
import os
import subprocess
import time
import uuid

import openstack
import openstack.config
import openstack.connection
from openstack import exceptions as sdk_exc

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
MINICLOUD = os.path.join(REPO, 'tools', 'minicloud', 'minicloud')

# Env var naming a clouds.yaml entry (admin rights) of an existing cloud to
# test against instead of the minicloud, e.g. a devstack's "devstack-admin".
ENV_CLOUD = 'NOVA_HOTSPOT_TEST_CLOUD'
# Optional: a non-admin entry of that cloud, for the policy tests.
ENV_USER_CLOUD = 'NOVA_HOTSPOT_TEST_USER_CLOUD'
# Optional: the image to boot on that cloud (default: first active image).
ENV_IMAGE = 'NOVA_HOTSPOT_TEST_IMAGE'

ROLE_KEY = 'hotspot_role'
MASTER, SLAVE = 'master', 'slave'
MINICLOUD_IMAGE = 'minicloud-image'
# Admin booting onto a named host (`host=` in the request body) needs 2.74.
COMPUTE_MICROVERSION = '2.74'
WAIT_TIMEOUT = 120


class CloudError(Exception):
    pass


@dataclasses.dataclass
class CloudInfo:
    """What the tests target."""
    admin_cloud: str
    user_cloud: str | None
    config_file: str | None
    is_minicloud: bool
    started_here: bool = False
    compute_hosts: list = dataclasses.field(default_factory=list)
    drivers: dict = dataclasses.field(default_factory=dict)
    # host -> (VCPU, MEMORY_MB) of its fake hypervisor (minicloud only)
    sizes: dict = dataclasses.field(default_factory=dict)
    # minicloud: {'cpu': R, 'ram': R} of every compute
    allocation_ratios: dict = dataclasses.field(default_factory=dict)
    # minicloud: `minicloud status --json` when the session began
    status: dict = dataclasses.field(default_factory=dict)


#: The minicloud's default driver, whose servers follow the load file.
LOAD_DRIVER = 'load_driver.LoadFakeDriver'


def minicloud(*args, check=True, capture=False, timeout=3600):
    """Run tools/minicloud/minicloud with args.

    Its stderr (progress, a failing service's log tail) goes to ours; its
    stdout too unless capture=True.
    """
    result = subprocess.run(
        [MINICLOUD, *args], check=False, timeout=timeout, text=True,
        stdout=subprocess.PIPE if capture else None, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise CloudError('minicloud %s failed with exit code %d%s'
                         % (' '.join(args), result.returncode,
                            '\n' + result.stdout if capture else ''))
    return result


def minicloud_status():
    result = minicloud('status', '--json', check=False, capture=True,
                       timeout=60)
    try:
        return json.loads(result.stdout)
    except ValueError:
        return {'running': False}


def restart_args(status, ratios=None, sizes=None, computes=None):
    """`minicloud start` arguments that rebuild the cloud of `status`."""
    hosts = status['computes'][:computes] if computes else status['computes']
    args = ['start', '--computes', str(len(hosts))]
    for compute in hosts:
        host, driver = compute['host'], compute['driver']
        if driver != LOAD_DRIVER:
            args += ['--host-driver', '%s=%s' % (host, driver)]
        else:
            size = (sizes or {}).get(host) or (
                compute['vcpus'], compute['memory_mb'], compute['local_gb'])
            args += ['--host-size', '%s=%d:%d:%d' % ((host,) + tuple(size))]
    ratios = ratios or {'cpu': status['cpu_allocation_ratio'],
                        'ram': status['ram_allocation_ratio']}
    nodes = max((len(c.get('nodes') or ()) for c in hosts), default=1)
    return args + ['--cpu-allocation-ratio', repr(ratios['cpu']),
                   '--ram-allocation-ratio', repr(ratios['ram']),
                   '--nodes-per-compute', str(max(nodes, 1))]


def write_load_file(path, servers):
    """Write the minicloud load file atomically (temporary file + rename).

    servers: {server uuid: {'cpu': busy vCPUs, 'mem_mb': MB in use,
    'metrics': bool (optional)}}; a server left out uses nothing.
    """
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as f:
        json.dump({'servers': servers}, f, indent=1)
    os.replace(tmp, path)


def read_load_file(path):
    """The load file's servers ({} if it is missing or unreadable)."""
    try:
        with open(path) as f:
            return dict(json.load(f).get('servers') or {})
    except (OSError, ValueError, AttributeError):
        return {}


def connect(cloud, config_file=None):
    """An SDK Connection for a clouds.yaml entry (from config_file if set)."""
    files = [config_file] if config_file else None
    config = openstack.config.OpenStackConfig(config_files=files)
    region = config.get_one(cloud=cloud)
    return openstack.connection.Connection(config=region)


def wait_for(what, check, timeout=WAIT_TIMEOUT, interval=0.5):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise CloudError('timed out after %d s waiting for %s'
                             % (timeout, what))
        time.sleep(interval)


def clear_hotspot_marks(conn):
    """Remove the agent's Placement traits (CUSTOM_HOTSPOT_*) from every
    resource provider: an agent a test ran leaves its verdict there, and
    with the minicloud's HotspotFilter a host marked hot would refuse the
    next test's servers (boots and migrations to a named host too)."""
    from nova_hotspot.cloud import traits
    from nova_hotspot.core import marks
    gateway = traits.Traits(conn)
    for provider, owned in gateway.carrying(marks.OWNED_TRAITS).items():
        gateway.change(provider, remove=owned)


class CloudHelpers:
    """Boot servers and groups, make flavors, migrate; clean up afterwards.

    One instance per test (fixture ``cloud_helpers``); ``cleanup()`` runs at
    teardown and deletes what the test made.
    """

    def __init__(self, conn, info, user_conn=None):
        self.conn = conn
        self.info = info
        self.user_conn = user_conn
        self._servers = []       # (connection, server id)
        self._groups = []        # (connection, group id)
        self._flavors = []
        self._sized = {}         # (vcpus, ram[, disk]) -> Flavor
        self._image_id = None
        self._loaded = set()     # server ids this test put in the load file
        self.prefix = 'hotspot-test-%s' % uuid.uuid4().hex[:6]

    # -- names and lookups ------------------------------------------------
    def name(self, what):
        return '%s-%s' % (self.prefix, what)

    @property
    def compute_hosts(self):
        return list(self.info.compute_hosts)

    def image_id(self):
        if self._image_id is None:
            wanted = os.environ.get(ENV_IMAGE) or (
                MINICLOUD_IMAGE if self.info.is_minicloud else None)
            if wanted:
                # Listed by name: find_image passes the deprecated
                # ignore_missing=True on to the SDK's own search.
                image = next(iter(self.conn.image.images(name=wanted)),
                             None)
                if image is None:
                    raise CloudError('no image named %s on the cloud'
                                     % wanted)
            else:
                image = next(iter(self.conn.image.images(status='active')),
                             None)
                if image is None:
                    raise CloudError('no active image on the cloud; set %s'
                                     % ENV_IMAGE)
            self._image_id = image.id
        return self._image_id

    # -- flavors ----------------------------------------------------------
    def create_flavor(self, vcpus, ram_mb, disk_gb=1, name=None):
        """A public flavor of the given size (admin); deleted at cleanup."""
        flavor = self.conn.compute.create_flavor(
            name=name or self.name('flavor-%dc-%dm-%dg-%d' % (
                vcpus, ram_mb, disk_gb, len(self._flavors))),
            vcpus=vcpus, ram=ram_mb, disk=disk_gb, is_public=True)
        self._flavors.append(flavor.id)
        return flavor

    def flavor(self, flavor):
        """A flavor object from a flavor, its id or name, or a size tuple.

        A tuple (vcpus, ram_mb[, disk_gb]) makes a flavor of that size the
        first time and reuses it within the test.
        """
        if isinstance(flavor, tuple):
            if flavor not in self._sized:
                self._sized[flavor] = self.create_flavor(*flavor)
            return self._sized[flavor]
        if isinstance(flavor, str):
            return self.conn.compute.find_flavor(flavor, ignore_missing=False)
        return flavor

    # -- servers ----------------------------------------------------------
    def boot_server(self, flavor, host=None, name=None, metadata=None,
                    group=None, conn=None, wait=True, node=None):
        """Boot one server (networks='none'); on `host` if given (admin),
        on hypervisor `node` if given (admin; microversion 2.74).

        flavor: Flavor, name/id, or (vcpus, ram_mb) to make one.
        group: a server group (scheduler hint); metadata: server metadata.
        Waits for ACTIVE unless wait=False.
        """
        conn = conn or self.conn
        flavor = self.flavor(flavor)
        attrs = dict(name=name or self.name('server'), flavor_id=flavor.id,
                     image_id=self.image_id(), networks='none',
                     metadata=metadata or {})
        if host:
            attrs['host'] = host
        if node:
            attrs['hypervisor_hostname'] = node
        if group is not None:
            attrs['scheduler_hints'] = {'group': group.id}
        server = conn.compute.create_server(**attrs)
        self._servers.append((conn, server.id))
        if wait:
            server = self.wait_active(server, conn=conn)
        return server

    def wait_active(self, server, conn=None, timeout=WAIT_TIMEOUT):
        conn = conn or self.conn
        return conn.compute.wait_for_server(server, status='ACTIVE',
                                            failures=['ERROR'], interval=0.5,
                                            wait=timeout)

    def create_anti_affinity_group(self, master_flavor, slave_flavors,
                                   hosts=None, name=None):
        """An anti-affinity group: one master, then slaves, one at a time.

        Members carry metadata hotspot_role=master/slave.  hosts (optional)
        gives each member's host, master first.  Concurrent boots into one
        group can race, hence one at a time.  Returns (group, master,
        [slaves]) with every member ACTIVE.
        """
        group = self.conn.compute.create_server_group(
            name=name or self.name('group'), policy='anti-affinity')
        self._groups.append((self.conn, group.id))
        hosts = list(hosts or [])
        flavors = [master_flavor] + list(slave_flavors)
        members = []
        for index, flavor in enumerate(flavors):
            role = MASTER if index == 0 else SLAVE
            members.append(self.boot_server(
                flavor, host=hosts[index] if index < len(hosts) else None,
                name='%s-%s%d' % (group.name, role, index),
                metadata={ROLE_KEY: role}, group=group))
        return group, members[0], members[1:]

    def server_host(self, server):
        """The compute host of a server (admin view)."""
        return self.conn.compute.get_server(server).compute_host

    def live_migrate(self, server, host, timeout=WAIT_TIMEOUT):
        """Live-migrate to `host` and wait until ACTIVE there."""
        self.conn.compute.live_migrate_server(server, host=host,
                                              block_migration='auto')

        def arrived():
            current = self.conn.compute.get_server(server)
            if current.status == 'ERROR':
                raise CloudError('server %s went to ERROR while migrating'
                                 % current.id)
            if current.status != 'ACTIVE' or current.task_state is not None \
                    or current.compute_host != host:
                return None
            # The migration record turns 'completed' a moment after the
            # server is ACTIVE on the target (post-migration at the source).
            statuses = [m.status for m in self.conn.compute.migrations(
                server_id=current.id, migration_type='live-migration')]
            if statuses and statuses[-1] == 'error':
                raise CloudError('live migration of %s failed' % current.id)
            return current if statuses and all(
                st == 'completed' for st in statuses) else None
        return wait_for('live migration to %s' % host, arrived, timeout)

    # -- load (minicloud) -------------------------------------------------
    def set_load(self, server, cpu=0.0, mem_mb=0.0, metrics=True,
                 migration_seconds=0, ignore_abort=False):
        """Make a server busy through the minicloud load file (and, with
        ``migration_seconds``, its live migrations slow; ``ignore_abort``:
        Nova's abort of them does nothing).

        Only this server's entry changes (the file is shared); cleanup
        removes the entries this test set.  Takes effect within 5 s.
        """
        path = self.info.status.get('load_file')
        if not path:
            raise CloudError('this cloud has no load file (minicloud only)')
        server_id = getattr(server, 'id', server)
        servers = read_load_file(path)
        entry = {'cpu': cpu, 'mem_mb': mem_mb}
        if not metrics:
            entry['metrics'] = False
        if migration_seconds:
            entry['migration_seconds'] = migration_seconds
        if ignore_abort:
            entry['ignore_abort'] = True
        servers[server_id] = entry
        self._loaded.add(server_id)
        write_load_file(path, servers)

    def _clear_load(self):
        path = self.info.status.get('load_file')
        if not self._loaded or not path:
            return
        servers = read_load_file(path)
        for server_id in self._loaded:
            servers.pop(server_id, None)
        write_load_file(path, servers)
        self._loaded = set()

    # -- cleanup ----------------------------------------------------------
    def track(self, server=None, group=None):
        """Have cleanup() delete a server or group made without helpers."""
        if server is not None:
            self._servers.append((self.conn, getattr(server, 'id', server)))
        if group is not None:
            self._groups.append((self.conn, getattr(group, 'id', group)))

    def cleanup(self):
        """Delete the servers, groups and flavors this test made.

        Only what this test made (through the helpers or track()), plus any
        server named with this test's prefix: several test sessions may
        share one running minicloud, so never sweep everything.
        """
        self._clear_load()
        clear_hotspot_marks(self.conn)
        doomed = [server_id for _conn, server_id in self._servers]
        groups = [group_id for _conn, group_id in self._groups]
        doomed += [s.id for s in self.conn.compute.servers(
            all_projects=True, name='^%s' % self.prefix)]
        pending = set()
        for server_id in dict.fromkeys(doomed):
            try:
                self.conn.compute.delete_server(server_id)
                pending.add(server_id)
            except sdk_exc.NotFoundException:
                pass
        wait_for('servers deleted', lambda: not any(
            self._exists(server_id) for server_id in pending))
        for group_id in dict.fromkeys(groups):
            self.conn.compute.delete_server_group(group_id,
                                                  ignore_missing=True)
        for flavor_id in self._flavors:
            self.conn.compute.delete_flavor(flavor_id, ignore_missing=True)
        self._servers, self._groups, self._flavors = [], [], []
        self._sized = {}

    def _exists(self, server_id):
        try:
            self.conn.compute.get_server(server_id)
            return True
        except sdk_exc.NotFoundException:
            return False

