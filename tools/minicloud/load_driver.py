"""A fake hypervisor whose servers get busy: ``load_driver.LoadFakeDriver``.

nova.virt.fake.FakeDriver with
- a host size of its own (``[minicloud] vcpus / memory_mb / local_gb`` in the
  compute's config; defaults are FakeDriver's 1000 / 800000 / 600000);
- optionally several nodes of that size (``[minicloud] nodes``), as one
  nova-compute serves many Ironic nodes;
- server diagnostics (``get_instance_diagnostics``, the format of compute
  API microversion >= 2.48) that follow the minicloud load file: CPU time
  advances at the server's busy vCPUs (summed over ``cpu_details[].time``,
  in ns, monotonic per server, carried over a live migration) and
  ``memory_details.used`` is its MB in use, both capped at the flavor;
  ``"metrics": false`` in its load entry makes the call fail (HTTP 409);
- live migrations that take time: ``"migration_seconds"`` in a server's
  load entry makes its live migration run that long (Nova's migration
  ``running``), and ``live_migration_abort`` (Nova's abort, e.g. the
  agent's after its ``migration_timeout``) ends it cancelled, the server
  back ACTIVE on its source, unless ``"ignore_abort": true`` (a migration
  that stays stuck; lowering ``migration_seconds`` in the file ends it);
- node uuids derived from the node name (uuid5), so a nova-compute
  restarted (``minicloud compute kill|start``) reports the same node and
  reuses its compute node record and resource provider (FakeDriver's are
  random per process); the first resource report of each node is logged
  (``node N reports its resources``: the compute serves RPC by then);
- a registry file per host (``[minicloud] registry_dir``/<host>.json) listing
  its servers (uuid, libvirt name, flavor, project, user, CPU time, use),
  which the minicloud's libvirt-style exporter serves to Prometheus.

Nova imports ``compute_driver = load_driver.LoadFakeDriver`` as
``nova.virt.load_driver``: nova_launcher.py adds tools/minicloud to the
package path of nova.virt (and to sys.path, for loadfile).  A thread re-reads
the load file and rewrites the registry every ``[minicloud]
poll_interval`` seconds (1 s).  See doc/minicloud.md.
"""

import os
import threading
import time

import loadfile
from nova import exception
from nova.objects import diagnostics as diagnostics_obj
from nova.virt import fake
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

OPTS = [
    cfg.IntOpt('vcpus', default=fake.FakeDriver.vcpus, min=1,
               help='VCPU of this fake host'),
    cfg.IntOpt('memory_mb', default=fake.FakeDriver.memory_mb, min=1,
               help='MEMORY_MB of this fake host'),
    cfg.IntOpt('local_gb', default=fake.FakeDriver.local_gb, min=1,
               help='DISK_GB of this fake host'),
    cfg.StrOpt('load_file', help='the minicloud load file (JSON)'),
    cfg.StrOpt('registry_dir', help='where each host lists its servers'),
    cfg.FloatOpt('poll_interval', default=1.0, min=0.1,
                 help='seconds between reads of the load file'),
    cfg.ListOpt('nodes', default=[],
                help='the nodes (hypervisors) this compute serves, each '
                     'its own resource provider of this size; empty: one '
                     'node named as the host'),
]
CONF.register_opts(OPTS, group='minicloud')

# A departed server's last CPU time stays in the registry this long, so the
# host it live-migrates to continues its counter.
GONE_KEEP_SECONDS = 600


class LoadFakeDriver(fake.FakeDriver):

    def __init__(self, virtapi, read_only=False):
        opts = CONF.minicloud
        # FakeDriver sizes its Resources and Placement inventory from these.
        self.vcpus = opts.vcpus
        self.memory_mb = opts.memory_mb
        self.local_gb = opts.local_gb
        super().__init__(virtapi, read_only)
        self._lock = threading.RLock()
        self._tracked = {}      # uuid -> registry entry
        self._gone = {}         # uuid -> entry of a server that left
        self._load = loadfile.LoadFile(opts.load_file or os.devnull,
                                       LOG.warning)
        self._registry_dir = opts.registry_dir
        self._interval = opts.poll_interval
        self._thread = None
        self._aborts = {}       # uuid -> Event of a live migration running
        self._reported = set()  # nodes whose resources were reported

    # -- lifecycle ------------------------------------------------------
    def init_host(self, host):
        super().init_host(host)
        if CONF.minicloud.nodes:
            # FakeDriver's own hook for the nodes it reports (Nova's
            # functional tests use it for multi-node computes).
            self._set_nodes(list(CONF.minicloud.nodes))
        with self._lock:
            self._load.poll()
            self._write_registry()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._follow_load, name='minicloud-load', daemon=True)
            self._thread.start()

    def spawn(self, context, instance, *args, **kwargs):
        super().spawn(context, instance, *args, **kwargs)
        self._track(instance)

    def finish_revert_migration(self, context, instance, *args, **kwargs):
        super().finish_revert_migration(context, instance, *args, **kwargs)
        self._track(instance)

    def destroy(self, context, instance, *args, **kwargs):
        super().destroy(context, instance, *args, **kwargs)
        self._untrack(instance.uuid)

    def post_live_migration(self, context, instance, block_device_info,
                            migrate_data=None):
        # On the source once the server runs on the destination: forget it
        # here (FakeDriver itself keeps it listed on both hosts), as
        # nova.virt.fake.FakeLiveMigrateDriver does.
        self.destroy(context, instance, network_info=None,
                     block_device_info=block_device_info)

    # -- nodes ----------------------------------------------------------
    def get_available_resource(self, nodename):
        resources = super().get_available_resource(nodename)
        if resources:
            resources['uuid'] = loadfile.node_uuid(nodename)
            if nodename not in self._reported:
                # After nova-compute started its RPC servers (its
                # post_start_hook): minicloud compute start waits for it.
                self._reported.add(nodename)
                LOG.info('minicloud: node %s reports its resources',
                         nodename)
        return resources

    def get_nodenames_by_uuid(self, refresh=False):
        return {loadfile.node_uuid(n): n
                for n in self.get_available_nodes()}

    # -- live migration -------------------------------------------------
    def live_migration(self, context, instance, dest, post_method,
                       recover_method, block_migration=False,
                       migrate_data=None):
        # As a real hypervisor copying memory: the migration runs for the
        # server's "migration_seconds" (re-read while it runs), and an
        # abort ends it the way libvirt's driver does: rolled back, the
        # migration "cancelled".
        aborted = threading.Event()
        with self._lock:
            self._aborts[instance.uuid] = aborted
        started = time.monotonic()
        try:
            while True:
                with self._lock:
                    seconds, ignore_abort = self._load.migration(
                        instance.uuid)
                if aborted.is_set() and not ignore_abort:
                    LOG.info('live migration of %s to %s aborted',
                             instance.uuid, dest)
                    recover_method(context, instance, dest, migrate_data,
                                   migration_status='cancelled')
                    return
                left = seconds - (time.monotonic() - started)
                if left <= 0:
                    break
                time.sleep(min(left, 0.2))
        finally:
            with self._lock:
                self._aborts.pop(instance.uuid, None)
        post_method(context, instance, dest, block_migration, migrate_data)

    def live_migration_abort(self, instance):
        with self._lock:
            aborted = self._aborts.get(instance.uuid)
        if aborted is not None:
            aborted.set()

    # -- diagnostics ----------------------------------------------------
    def get_instance_diagnostics(self, instance):
        with self._lock:
            self._advance(time.time())
            entry = self._tracked.get(instance.uuid)
            if entry is None:
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            entry = dict(entry)
        if not entry['metrics']:
            # "metrics": false in the load file: a server without samples.
            raise exception.InstanceNotReady(instance_id=instance.uuid)
        diags = diagnostics_obj.Diagnostics(
            state='running', driver='libvirt', hypervisor='fake',
            hypervisor_os='minicloud',
            uptime=int(max(0, time.time() - entry['since'])),
            config_drive=False)
        vcpus = max(1, entry['vcpus'])
        total_ns = int(entry['cpu_seconds'] * 1e9)
        share, rest = divmod(total_ns, vcpus)
        utilisation = int(round(100.0 * entry['cpu_rate'] / vcpus))
        for cpu in range(vcpus):
            diags.add_cpu(id=cpu, time=share + (rest if cpu == 0 else 0),
                          utilisation=utilisation)
        diags.memory_details = diagnostics_obj.MemoryDiagnostics(
            maximum=entry['ram_mb'], used=int(round(entry['mem_mb'])))
        return diags

    # -- bookkeeping ----------------------------------------------------
    def _track(self, instance):
        flavor = instance.flavor
        now = time.time()
        entry = {
            'name': instance.name,
            'display_name': instance.display_name,
            'flavor_name': flavor.name,
            'vcpus': flavor.vcpus,
            'ram_mb': flavor.memory_mb,
            'project_id': instance.project_id,
            'user_id': instance.user_id,
            'cpu_seconds': self._carried_cpu_seconds(instance.uuid, now),
            'cpu_rate': 0.0, 'mem_mb': 0.0, 'metrics': True,
            'at': now, 'since': now,
        }
        with self._lock:
            self._gone.pop(instance.uuid, None)
            self._tracked[instance.uuid] = entry
            self._apply_load(instance.uuid, entry)
            self._write_registry()

    def _untrack(self, uuid):
        with self._lock:
            now = time.time()
            self._advance(now)
            entry = self._tracked.pop(uuid, None)
            if entry is not None:
                entry['gone'] = now
                self._gone[uuid] = entry
            self._write_registry()

    def _carried_cpu_seconds(self, uuid, now):
        """CPU time a server arriving by live migration already has."""
        with self._lock:
            if uuid in self._gone:      # e.g. a revert onto this host
                return self._gone[uuid]['cpu_seconds']
        best = 0.0
        for host, registry in loadfile.read_registries(
                self._registry_dir or os.devnull).items():
            if host == CONF.host:
                continue
            for table in ('servers', 'gone'):
                entry = (registry.get(table) or {}).get(uuid)
                if entry:
                    # As if it had kept running during the move.
                    best = max(best, loadfile.cpu_seconds_now(entry, now))
        return best

    def _advance(self, now):
        for entry in self._tracked.values():
            entry['cpu_seconds'] += entry['cpu_rate'] * max(
                0.0, now - entry['at'])
            entry['at'] = now

    def _apply_load(self, uuid, entry):
        cpu, mem, metrics = self._load.use(uuid, entry['vcpus'],
                                           entry['ram_mb'])
        entry['cpu_rate'], entry['mem_mb'], entry['metrics'] = \
            cpu, mem, metrics

    def _follow_load(self):
        failing = False
        while True:
            time.sleep(self._interval)
            try:
                with self._lock:
                    # Integrate at the old rates up to now, then switch.
                    self._advance(time.time())
                    self._load.poll()
                    for uuid, entry in self._tracked.items():
                        self._apply_load(uuid, entry)
                    self._write_registry()
                failing = False
            except Exception:
                if not failing:
                    LOG.exception('minicloud load driver: update failed')
                failing = True

    def _write_registry(self):
        if not self._registry_dir:
            return
        now = time.time()
        for uuid in [u for u, e in self._gone.items()
                     if now - e['gone'] > GONE_KEEP_SECONDS]:
            del self._gone[uuid]
        os.makedirs(self._registry_dir, exist_ok=True)
        loadfile.write_json_atomically(
            os.path.join(self._registry_dir, '%s.json' % CONF.host),
            {'host': CONF.host, 'at': now, 'vcpus': self.vcpus,
             'memory_mb': self.memory_mb, 'servers': self._tracked,
             'gone': self._gone})
