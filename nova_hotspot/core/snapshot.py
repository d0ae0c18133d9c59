"""The cluster snapshot format (JSON) and its validation.

Parsing is pure: text or decoded JSON in, a ``model.Cluster`` out. Every
error names the record and the field, on one line, and raises
``exceptions.InvalidSnapshot``. The format is documented in
doc/snapshot-format.md.
"""

import gc
import itertools
import json
import math
import operator

import numpy

try:
    import orjson  # a faster parser of the same JSON, if installed
except ImportError:   # pragma: no cover - requirements.txt installs it
    orjson = None

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
    """Parse snapshot JSON text (str or UTF-8 bytes) into a Cluster."""
    # The cyclic garbage collector would walk the growing heap of fresh
    # records over and over while they are parsed and scanned (none of them
    # is garbage): a third of the load time at 200,000 servers.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return from_dict(_parse(text), default_cpu_threshold,
                         default_mem_threshold)
    finally:
        if collecting:
            gc.enable()


def _parse(text):
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            # Not JSON orjson takes (NaN, an integer beyond 64 bits, deep
            # nesting, bad JSON): the standard parser below gives the
            # answer and the words of record.
            pass
    if isinstance(text, (bytes, bytearray)):
        text = text.decode('utf-8')
    try:
        return json.loads(text, parse_constant=_reject_constant,
                          parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise exceptions.InvalidSnapshot(
            f'snapshot: not valid JSON: {exc.msg} at line {exc.lineno} '
            f'column {exc.colno}') from None
    except RecursionError:
        raise exceptions.InvalidSnapshot(
            'snapshot: JSON nested too deeply') from None


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

    def role(self, field):
        value = self.data.get(field)
        if value is not None and (not isinstance(value, str)
                                  or value not in ROLES):
            self.fail(field, f"must be 'master', 'slave' or null, got "
                             f"{value!r}")
        return ROLES.get(value)


class _Checked(_Record):
    """Reads the fields of a record that has passed the rules (the column
    scan): the same values as _Record, without checking them again (a lazy
    Server is built in a few microseconds)."""

    def __init__(self, kind, index, data, key):
        self.data = data

    def string(self, field, required=True):
        return self.data.get(field)

    def number(self, field, minimum=0.0, strict=False, required=True):
        return float(self.data[field])

    def threshold(self, field, default):
        value = self.data.get(field)
        return default if value is None else float(value)

    def flag(self, field, default):
        return self.data.get(field, default)

    def role(self, field):
        return ROLES.get(self.data.get(field))


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


def _host(index, data, default_cpu_threshold, default_mem_threshold,
          reader=_Record):
    rec = reader('hosts', index, data, 'name')
    return model.Host(
        name=rec.string('name'),
        vcpus=rec.number('vcpus'),
        memory_mb=rec.number('memory_mb'),
        cpu_threshold=rec.threshold('cpu_threshold', default_cpu_threshold),
        mem_threshold=rec.threshold('mem_threshold', default_mem_threshold),
        enabled=rec.flag('enabled', True))


def _server(index, data, reader=_Record):
    rec = reader('servers', index, data, 'id')
    role = rec.role('role')
    return model.Server(
        id=rec.string('id'),
        host=rec.string('host'),
        vcpus=rec.number('vcpus'),
        memory_mb=rec.number('memory_mb'),
        cpu=rec.number('cpu'),
        mem=rec.number('mem'),
        data_mb=rec.number('data_mb', strict=True),
        role=role,
        group=rec.string('group', required=False),
        name=rec.string('name', required=False),
        status=rec.string('status', required=False) or model.ACTIVE,
        project=rec.string('project', required=False),
        pinned=rec.flag('pinned', False))


# The whole-column scan. _host and _server above are the rules and their
# words; a snapshot of 200,000 servers is not read through them record by
# record. Instead each field is scanned as one column (its values' types as
# a set, numbers as numpy arrays) for the first record that may break a
# rule, and the records are read by _host/_server from there on: the
# first that does gives the error, worded as ever. The scan may flag a
# good record (e.g. a str subclass, which the rules accept): then reading
# simply goes on. It never passes a bad one.

_NUMBER_TYPES = frozenset((int, float))


def _first(flags):
    """Position of the first true value of a boolean numpy array, or
    None."""
    hit = numpy.flatnonzero(flags)
    return int(hit[0]) if len(hit) else None


def _first_not(values, allowed):
    """Position of the first value whose type is not in ``allowed``, or
    None (one C-level pass when every type is allowed)."""
    if set(map(type, values)) <= allowed:
        return None
    return next(i for i, v in enumerate(values) if type(v) not in allowed)


class _Fields:
    """The columns of ``records`` (objects): all of ``names`` in one pass
    (``operator.itemgetter``) when every record has every one of them, as
    snapshots written by ``to_dict`` do; else each column on its own
    (``dict.get``, with the field's default)."""

    def __init__(self, records, names):
        self.records = records
        self._columns = {}
        try:
            rows = list(map(operator.itemgetter(*names), records))
        except KeyError:
            return
        self._columns = dict(zip(names, zip(*rows)))

    def column(self, field, default=None):
        values = self._columns.get(field)
        if values is None:
            values = list(map(dict.get, self.records,
                              itertools.repeat(field),
                              itertools.repeat(default)))
        return values


def _scan_string(records, field, required):
    """(values, first suspect) of a string field."""
    values = records.column(field)
    allowed = {str} if required else {str, type(None)}
    suspect = _first_not(values, allowed)
    # Values before a wrong type are all strings (or None): the empty one
    # among them comes first.
    head = values if suspect is None else values[:suspect]
    if '' in head:
        suspect = head.index('')
    return values, suspect


def _scan_number(records, field, strict=False, default=None, low=None):
    """(numpy values, first suspect) of a number field; a missing value
    takes ``default`` (None: missing is a suspect). ``low`` (threshold
    fields) makes values <= it suspects too, and values above 1."""
    values = records.column(field)
    allowed = _NUMBER_TYPES if default is None else \
        _NUMBER_TYPES | {type(None)}
    suspect = _first_not(values, allowed)
    # Values before a wrong type are all numbers: the bad one among them
    # comes first.
    head = values if suspect is None else values[:suspect]
    if default is not None:
        head = [default if v is None else v for v in head]
    array = numpy.array(head, dtype=float) if head else numpy.zeros(0)
    bad = ~numpy.isfinite(array) | (array > MAX_NUMBER)
    bad |= (array <= 0.0) if strict else (array < 0.0)
    if low is not None:
        bad |= (array <= low) | (array > 1.0)
    first = _first(bad)
    if first is not None or suspect is not None:
        return None, suspect if first is None else first
    return array, None


def _scan_threshold(records, field, default):
    return _scan_number(records, field, default=default, low=0.0)


def _scan_flag(records, field, default):
    values = records.column(field, default)
    suspect = _first_not(values, {bool})
    if suspect is not None:
        return None, suspect
    return numpy.array(values, dtype=bool), None


def _read_from(records, start, read):
    """Read ``records`` one by one from ``start`` with ``read(i, record)``
    (which raises the error of a bad one); scanning found nothing before
    ``start``."""
    if start is None:
        return
    for i in range(start, len(records)):
        read(i, records[i])


def _earliest(*suspects):
    found = [s for s in suspects if s is not None]
    return min(found) if found else None


def _objects_only(records, scan, read):
    """Raise the first error of ``records`` when one is not an object: the
    error of an earlier record (``scan`` of the records before it), else
    its own (``read``)."""
    bad = _first_not(records, {dict})
    if bad is not None:
        scan(records[:bad])
        read(bad, records[bad])


def _host_columns(records, default_cpu_threshold, default_mem_threshold):
    def read(i, data):
        return _host(i, data, default_cpu_threshold, default_mem_threshold)
    _objects_only(records, lambda prefix: _host_columns(
        prefix, default_cpu_threshold, default_mem_threshold), read)
    fields = records
    records = _Fields(records, _HOST_FIELDS)
    names, s_name = _scan_string(records, 'name', True)
    vcpus, s_vcpus = _scan_number(records, 'vcpus')
    memory, s_memory = _scan_number(records, 'memory_mb')
    cpu_th, s_cpu_th = _scan_threshold(records, 'cpu_threshold',
                                       default_cpu_threshold)
    mem_th, s_mem_th = _scan_threshold(records, 'mem_threshold',
                                       default_mem_threshold)
    enabled, s_enabled = _scan_flag(records, 'enabled', True)
    _read_from(fields, _earliest(s_name, s_vcpus, s_memory, s_cpu_th,
                                 s_mem_th, s_enabled), read)
    return dict(host_names=names, host_vcpus=vcpus, host_memory_mb=memory,
                host_cpu_threshold=cpu_th, host_mem_threshold=mem_th,
                host_enabled=enabled)


def _server_columns(records):
    _objects_only(records, _server_columns, _server)
    fields = records
    records = _Fields(records, _SERVER_FIELDS)
    roles = records.column('role')
    s_role = _first_not(roles, {str, type(None)})
    head = roles if s_role is None else roles[:s_role]
    if not set(head) <= _ROLE_VALUES:
        s_role = next(i for i, r in enumerate(head)
                      if r not in _ROLE_VALUES)
    ids, s_id = _scan_string(records, 'id', True)
    hosts, s_host = _scan_string(records, 'host', True)
    suspects = [s_role, s_id, s_host]
    numbers = {}
    for field in ('vcpus', 'memory_mb', 'cpu', 'mem', 'data_mb'):
        numbers[field], suspect = _scan_number(records, field,
                                               strict=field == 'data_mb')
        suspects.append(suspect)
    groups, s_group = _scan_string(records, 'group', False)
    suspects.append(s_group)
    for field in ('name', 'status', 'project'):
        suspects.append(_scan_string(records, field, False)[1])
    suspects.append(_scan_flag(records, 'pinned', False)[1])
    _read_from(fields, _earliest(*suspects), _server)
    return dict(server_ids=ids, server_host_names=hosts,
                server_cpu=numbers['cpu'], server_mem=numbers['mem'],
                server_groups=groups)


_ROLE_VALUES = frozenset(ROLES) | {None}
_HOST_FIELDS = ('name', 'vcpus', 'memory_mb', 'cpu_threshold',
                'mem_threshold', 'enabled')
_SERVER_FIELDS = ('id', 'host', 'vcpus', 'memory_mb', 'cpu', 'mem',
                  'data_mb', 'role', 'group', 'name', 'status', 'project',
                  'pinned')


def from_dict(data, default_cpu_threshold=None, default_mem_threshold=None):
    """Build a Cluster from decoded snapshot JSON, validating every field.

    Thresholds a host omits take the given defaults (fractions in (0, 1]).
    Fields the format does not define are ignored, so other tools may add
    their own. Fields are checked column by column (see the scan above);
    Host and Server objects are built only when asked for
    (``model.LazyRecords``), from the records, which the cluster keeps.
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
    host_records = _records(data, 'hosts')
    server_records = _records(data, 'servers')
    host_columns = _host_columns(
        host_records, default_cpu_threshold, default_mem_threshold)
    server_columns = _server_columns(server_records)
    return model.Cluster.from_columns(
        model.LazyRecords(len(host_records), lambda i: _host(
            i, host_records[i], default_cpu_threshold,
            default_mem_threshold, _Checked)),
        model.LazyRecords(len(server_records), lambda i: _server(
            i, server_records[i], _Checked)),
        **host_columns, **server_columns)


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
