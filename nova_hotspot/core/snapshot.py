"""The cluster snapshot format (JSON) and its validation.

Parsing is pure: text or decoded JSON in, a ``model.Cluster`` out. Every
error names the record and the field, on one line, and raises
``exceptions.InvalidSnapshot``. The format is documented in
doc/snapshot-format.md.
"""

import json
import math

from nova_hotspot import exceptions
from nova_hotspot.core import model

SNAPSHOT_VERSION = 1
ROLES = {'master': model.Role.MASTER, 'slave': model.Role.SLAVE}

#: The largest capacity, use or data size accepted (vCPUs or MB): far
#: beyond any host, and small enough that sums and products of a whole
#: cloud's numbers stay finite.
MAX_NUMBER = 1e12

#: Integers with more digits than this are read as floats (Python's int()
#: refuses more than 4300 digits with a ValueError): a huge number then
#: fails the range check naming its record and field.
_MAX_INT_DIGITS = 30


class _HugeInt(float):
    """An integer literal too long to be a sane number (kept as +-inf, its
    length for the message)."""

    digits = 0


def _parse_int(text):
    if len(text) <= _MAX_INT_DIGITS:
        return int(text)
    value = _HugeInt(float('-inf') if text.startswith('-') else
                     float('inf'))
    value.digits = len(text.lstrip('-'))
    return value


def _reject_constant(name):
    # Python's json accepts NaN and Infinity, which are not JSON.
    raise exceptions.InvalidSnapshot(f'snapshot: {name} is not a number')


def loads(text, default_cpu_threshold=None, default_mem_threshold=None):
    """Parse snapshot JSON text into a Cluster."""
    try:
        data = json.loads(text, parse_constant=_reject_constant,
                          parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise exceptions.InvalidSnapshot(
            f'snapshot: not valid JSON: {exc.msg} at line {exc.lineno} '
            f'column {exc.colno}') from None
    except RecursionError:
        raise exceptions.InvalidSnapshot(
            'snapshot: JSON nested too deeply') from None
    return from_dict(data, default_cpu_threshold, default_mem_threshold)


class _Record:
    """Reads the fields of one JSON object, naming it in every error."""

    def __init__(self, kind, index, data, key):
        # The label is built only for an error: a snapshot can hold
        # hundreds of thousands of records.
        self._where = (kind, index, data, key)
        if not isinstance(data, dict):
            raise exceptions.InvalidSnapshot(
                f'{self.label}: must be an object, got {_kind(data)}')
        self.data = data

    def fail(self, field, problem):
        raise exceptions.InvalidSnapshot(
            f"{self.label}: field '{field}' {problem}")

    @property
    def label(self):
        return _label(*self._where)

    def string(self, field, required=True):
        value = self.data.get(field)
        if value is None:
            if required:
                self.fail(field, 'is missing')
            return None
        if not isinstance(value, str) or not value:
            self.fail(field, f'must be a non-empty string, got {value!r}')
        return value

    def number(self, field, minimum=0.0, strict=False, required=True):
        value = self.data.get(field)
        if value is None:
            if required:
                self.fail(field, 'is missing')
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(field, f'must be a number, got {value!r}')
        if isinstance(value, _HugeInt):
            bound = (f'>= {minimum:g}' if value < 0
                     else f'<= {MAX_NUMBER:g}')
            self.fail(field, f'must be {bound}, got a {value.digits}-digit '
                             f'{"negative " if value < 0 else ""}number')
        if not math.isfinite(value):
            self.fail(field, f'must be a finite number, got {value!r}')
        if value < minimum or (strict and value == minimum):
            bound = '>' if strict else '>='
            self.fail(field, f'must be {bound} {minimum:g}, got {value!r}')
        if value > MAX_NUMBER:
            self.fail(field, f'must be <= {MAX_NUMBER:g}, got {value:g}')
        return float(value)

    def threshold(self, field, default):
        value = self.data.get(field)
        if value is None:
            if default is None:
                self.fail(field, 'is missing and no default threshold is set')
            return default
        value = self.number(field)
        if not 0.0 < value <= 1.0:
            self.fail(field, f'must be in (0, 1], got {value!r}')
        return value

    def flag(self, field, default):
        value = self.data.get(field, default)
        if not isinstance(value, bool):
            self.fail(field, f'must be true or false, got {value!r}')
        return value


def _kind(value):
    return {dict: 'an object', list: 'a list', str: 'a string',
            bool: 'a boolean', type(None): 'null'}.get(type(value),
                                                       'a number')


def _records(data, key):
    value = data.get(key)
    if value is None:
        raise exceptions.InvalidSnapshot(f"snapshot: '{key}' is missing")
    if not isinstance(value, list):
        raise exceptions.InvalidSnapshot(
            f"snapshot: '{key}' must be a list, got {_kind(value)}")
    return value


def _label(kind, index, data, key):
    name = data.get(key) if isinstance(data, dict) else None
    if isinstance(name, str):
        return f'{kind}[{index}] ({key} {name!r})'
    return f'{kind}[{index}]'


def _host(index, data, default_cpu_threshold, default_mem_threshold):
    rec = _Record('hosts', index, data, 'name')
    return model.Host(
        name=rec.string('name'),
        vcpus=rec.number('vcpus'),
        memory_mb=rec.number('memory_mb'),
        cpu_threshold=rec.threshold('cpu_threshold', default_cpu_threshold),
        mem_threshold=rec.threshold('mem_threshold', default_mem_threshold),
        enabled=rec.flag('enabled', True))


def _server(index, data):
    rec = _Record('servers', index, data, 'id')
    role = data.get('role')
    if role is not None and (not isinstance(role, str) or role not in ROLES):
        rec.fail('role', f"must be 'master', 'slave' or null, got {role!r}")
    return model.Server(
        id=rec.string('id'),
        host=rec.string('host'),
        vcpus=rec.number('vcpus'),
        memory_mb=rec.number('memory_mb'),
        cpu=rec.number('cpu'),
        mem=rec.number('mem'),
        data_mb=rec.number('data_mb', strict=True),
        role=ROLES.get(role),
        group=rec.string('group', required=False),
        name=rec.string('name', required=False),
        status=rec.string('status', required=False) or model.ACTIVE,
        project=rec.string('project', required=False),
        pinned=rec.flag('pinned', False))


def from_dict(data, default_cpu_threshold=None, default_mem_threshold=None):
    """Build a Cluster from decoded snapshot JSON, validating every field.

    Thresholds a host omits take the given defaults (fractions in (0, 1]).
    Fields the format does not define are ignored, so other tools may add
    their own.
    """
    if not isinstance(data, dict):
        raise exceptions.InvalidSnapshot(
            f'snapshot: must be an object with hosts and servers, '
            f'got {_kind(data)}')
    version = data.get('version', SNAPSHOT_VERSION)
    if version != SNAPSHOT_VERSION or isinstance(version, bool):
        raise exceptions.InvalidSnapshot(
            f"snapshot: field 'version' must be {SNAPSHOT_VERSION}, "
            f"got {version!r}")
    hosts = [_host(i, h, default_cpu_threshold, default_mem_threshold)
             for i, h in enumerate(_records(data, 'hosts'))]
    servers = [_server(i, s) for i, s in enumerate(_records(data, 'servers'))]
    return model.Cluster(hosts, servers)


def to_dict(cluster):
    """The snapshot JSON (as Python data) of a Cluster; from_dict's inverse.
    """
    return {
        'version': SNAPSHOT_VERSION,
        'hosts': [{'name': h.name, 'vcpus': h.vcpus,
                   'memory_mb': h.memory_mb,
                   'cpu_threshold': h.cpu_threshold,
                   'mem_threshold': h.mem_threshold,
                   'enabled': h.enabled} for h in cluster.hosts],
        'servers': [{'id': s.id, 'host': s.host, 'vcpus': s.vcpus,
                     'memory_mb': s.memory_mb, 'cpu': s.cpu, 'mem': s.mem,
                     'data_mb': s.data_mb,
                     'role': s.role.value if s.role else None,
                     'group': s.group, 'name': s.name, 'status': s.status,
                     'project': s.project, 'pinned': s.pinned}
                    for s in cluster.servers],
    }
