"""The minicloud's load file and host registries (stdlib only).

Shared by the load-following fake driver (load_driver.py, inside each
nova-compute) and the libvirt-style exporter (exporter.py).

Load file (``$MINICLOUD_DIR/load.json``, in ``minicloud status --json`` as
``load_file``)::

    {"servers": {"<server uuid>": {"cpu": <busy vCPUs>, "mem_mb": <MB in use>,
                                   "metrics": true,
                                   "migration_seconds": <s>,
                                   "ignore_abort": false}}}

A server absent from it uses nothing; ``cpu`` and ``mem_mb`` default to 0,
``metrics`` to true (``false``: the exporter hides the server and its
diagnostics fail).  ``migration_seconds`` (default 0): a live migration of
the server lasts that long (in Nova's status ``running``; the driver
re-reads it while the migration runs, so lowering it ends one), and Nova's
abort ends it early, cancelled, unless ``ignore_abort`` is true (a migration
that stays stuck).  Readers poll it every second (``LoadFile.poll``); bad
content (not JSON, wrong types, negative numbers, unknown keys of an entry)
is logged once and the last good content stays in force.

Registry (``$MINICLOUD_DIR/load/registry/<host>.json``): each load driver
writes its servers there, with their CPU time so far; the exporter reads
every host's file.  Written atomically (temporary file + rename).
"""

import json
import math
import os
import time
from uuid import UUID
from uuid import uuid5

# The namespace of the load driver's node uuids (uuid5 of the node name):
# stable across restarts of a nova-compute (``minicloud compute start``).
NODE_NAMESPACE = UUID('6e0b1cde-5f4a-4a8e-9d59-0b2f6a3c9d41')


def node_uuid(nodename):
    """The uuid of a load-driver node (its compute node record and
    resource provider)."""
    return str(uuid5(NODE_NAMESPACE, nodename))


ENTRY_KEYS = {'cpu', 'mem_mb', 'metrics', 'migration_seconds',
              'ignore_abort'}


class LoadError(ValueError):
    pass


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0:
        raise LoadError('%s: expected a number >= 0, got %r' % (where, value))
    return float(value)


def _boolean(entry, key, default, uuid):
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise LoadError('servers[%s].%s: expected true or false'
                        % (uuid, key))
    return value


def parse(data):
    """{server uuid: {'cpu': float, 'mem_mb': float, 'metrics': bool}}."""
    if not isinstance(data, dict) or not isinstance(data.get('servers'),
                                                    dict):
        raise LoadError('expected {"servers": {"<uuid>": {...}}}')
    servers = {}
    for uuid, entry in data['servers'].items():
        if not isinstance(entry, dict):
            raise LoadError('servers[%s]: expected an object' % uuid)
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise LoadError('servers[%s]: unknown keys %s (known: %s)' % (
                uuid, ', '.join(sorted(unknown)),
                ', '.join(sorted(ENTRY_KEYS))))
        servers[uuid] = {
            'cpu': _number(entry.get('cpu', 0), 'servers[%s].cpu' % uuid),
            'mem_mb': _number(entry.get('mem_mb', 0),
                              'servers[%s].mem_mb' % uuid),
            'metrics': _boolean(entry, 'metrics', True, uuid),
            'migration_seconds': _number(
                entry.get('migration_seconds', 0),
                'servers[%s].migration_seconds' % uuid),
            'ignore_abort': _boolean(entry, 'ignore_abort', False, uuid)}
    return servers


class LoadFile:
    """Reads the load file when it changed; keeps the last good content."""

    def __init__(self, path, log):
        self.path = path
        self.log = log            # callable(message), one line per problem
        self.servers = {}
        self._seen = None

    def poll(self):
        """Re-read if the file changed; True when the content changed."""
        try:
            st = os.stat(self.path)
            key = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError as exc:
            key = ('missing', str(exc))
        if key == self._seen:
            return False
        self._seen = key
        try:
            with open(self.path, 'rb') as f:
                servers = parse(json.loads(f.read().decode('utf-8')))
            problem = None
        except (OSError, ValueError) as exc:
            problem = str(exc)
        if problem is not None:
            # Outside the except block: oslo.log would append the
            # exception's summary to the line.
            self.log('load file %s: %s; keeping the last good content'
                     % (self.path, problem))
            return False
        changed = servers != self.servers
        self.servers = servers
        return changed

    def use(self, uuid, vcpus, ram_mb):
        """(busy vCPUs, MB in use, metrics) of a server, capped at its
        flavor."""
        entry = self.servers.get(uuid)
        if entry is None:
            return 0.0, 0.0, True
        return (min(entry['cpu'], float(vcpus)),
                min(entry['mem_mb'], float(ram_mb)), entry['metrics'])


    def migration(self, uuid):
        """(seconds a live migration of the server lasts, whether it
        ignores an abort)."""
        entry = self.servers.get(uuid)
        if entry is None:
            return 0.0, False
        return entry['migration_seconds'], entry['ignore_abort']


def write_json_atomically(path, data):
    tmp = '%s.%d.tmp' % (path, os.getpid())
    with open(tmp, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    os.replace(tmp, path)


def read_registries(directory):
    """{host: registry dict} of every readable host file in directory."""
    found = {}
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return found
    for name in names:
        if not name.endswith('.json'):
            continue
        try:
            with open(os.path.join(directory, name)) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get('servers'), dict):
            found[name[:-len('.json')]] = data
    return found


def cpu_seconds_now(entry, now=None):
    """A registry entry's CPU time, advanced at its rate since it was
    written."""
    now = time.time() if now is None else now
    return entry['cpu_seconds'] + entry['cpu_rate'] * max(
        0.0, now - entry['at'])
