"""The snapshot format: what it accepts, and one clear error naming the
record and field for everything it refuses."""

import json

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova_hotspot import exceptions
from nova_hotspot.core import model
from nova_hotspot.core import snapshot
from tests.unit.clusters import host
from tests.unit.clusters import master
from tests.unit.clusters import vm


def snap(hosts=None, servers=None, **top):
    doc = {'hosts': hosts if hosts is not None else [host('A'), host('B')],
           'servers': servers if servers is not None else [
               master('M1', 'A', cpu=10, mem=100)]}
    doc.update(top)
    return doc


def with_server(**fields):
    server = master('M1', 'A', cpu=10, mem=100)
    server.update(fields)
    return snap(servers=[server])


def with_host(**fields):
    first = host('A')
    first.update(fields)
    return snap(hosts=[first, host('B')])


def without(record, field):
    record = dict(record)
    del record[field]
    return record


BAD = [
    ('not an object', [], 'snapshot: must be an object'),
    ('hosts missing', {'servers': []}, "snapshot: 'hosts' is missing"),
    ('servers not a list', {'hosts': [], 'servers': {}},
     "snapshot: 'servers' must be a list"),
    ('unknown version', snap(version=2), "field 'version' must be 1"),
    ('host not an object', snap(hosts=['A']), 'hosts[0]: must be an object'),
    ('host without name', snap(hosts=[without(host('A'), 'name')]),
     "hosts[0]: field 'name' is missing"),
    ('duplicate host', snap(hosts=[host('A'), host('A')]),
     "hosts[1] (name 'A'): duplicate host name"),
    ('threshold above 1', with_host(cpu_threshold=1.5),
     "hosts[0] (name 'A'): field 'cpu_threshold' must be in (0, 1], got 1.5"),
    ('threshold 0', with_host(mem_threshold=0),
     "hosts[0] (name 'A'): field 'mem_threshold' must be in (0, 1], got 0"),
    ('negative capacity', with_host(vcpus=-4),
     "hosts[0] (name 'A'): field 'vcpus' must be >= 0, got -4"),
    ('capacity as a string', with_host(memory_mb='lots'),
     "hosts[0] (name 'A'): field 'memory_mb' must be a number, got 'lots'"),
    ('enabled not a boolean', with_host(enabled='yes'),
     "hosts[0] (name 'A'): field 'enabled' must be true or false"),
    ('unknown host', with_server(host='Z'),
     "servers[0] (id 'M1'): field 'host' names unknown host 'Z'"),
    ('duplicate server id',
     snap(servers=[vm('X', 'A'), vm('X', 'B')]),
     "servers[1] (id 'X'): duplicate server id"),
    ('negative usage', with_server(cpu=-1),
     "servers[0] (id 'M1'): field 'cpu' must be >= 0, got -1"),
    ('non-numeric usage', with_server(mem='1G'),
     "servers[0] (id 'M1'): field 'mem' must be a number, got '1G'"),
    ('boolean usage', with_server(cpu=True),
     "servers[0] (id 'M1'): field 'cpu' must be a number, got True"),
    ('usage missing', snap(servers=[without(vm('X', 'A'), 'mem')]),
     "servers[0] (id 'X'): field 'mem' is missing"),
    ('data_mb zero', with_server(data_mb=0),
     "servers[0] (id 'M1'): field 'data_mb' must be > 0, got 0"),
    ('data_mb negative', with_server(data_mb=-5),
     "servers[0] (id 'M1'): field 'data_mb' must be > 0, got -5"),
    ('unknown role', with_server(role='primary'),
     "servers[0] (id 'M1'): field 'role' must be 'master', 'slave' or null, "
     "got 'primary'"),
    ('id not a string', snap(servers=[dict(vm('X', 'A'), id=7)]),
     "servers[0]: field 'id' must be a non-empty string, got 7"),
    ('group not a string', with_server(group=3),
     "servers[0] (id 'M1'): field 'group' must be a non-empty string"),
]


@pytest.mark.parametrize('doc, message', [c[1:] for c in BAD],
                         ids=[c[0] for c in BAD])
def test_bad_snapshot_gives_one_clear_error(doc, message):
    with pytest.raises(exceptions.InvalidSnapshot) as err:
        snapshot.from_dict(doc)
    text = str(err.value)
    assert message in text
    assert '\n' not in text


@pytest.mark.parametrize('literal', ['NaN', 'Infinity', '-Infinity'])
def test_nan_and_infinity_are_refused(literal):
    text = json.dumps(snap()).replace('"cpu": 10', f'"cpu": {literal}')
    with pytest.raises(exceptions.InvalidSnapshot, match='not a number'):
        snapshot.loads(text)


def test_invalid_json_names_line_and_column():
    with pytest.raises(exceptions.InvalidSnapshot,
                       match='not valid JSON: .* line 1 column'):
        snapshot.loads('{"hosts": [}')


def test_missing_threshold_takes_the_default():
    doc = snap(hosts=[without(without(host('A'), 'cpu_threshold'),
                              'mem_threshold')])
    doc['servers'] = []
    cluster = snapshot.from_dict(doc, default_cpu_threshold=0.7,
                                 default_mem_threshold=0.9)
    assert cluster.host('A').cpu_threshold == 0.7
    assert cluster.host('A').mem_threshold == 0.9


def test_missing_threshold_without_default_is_an_error():
    doc = snap(hosts=[without(host('A'), 'cpu_threshold')], servers=[])
    with pytest.raises(exceptions.InvalidSnapshot,
                       match="field 'cpu_threshold' is missing"):
        snapshot.from_dict(doc)


def test_optional_fields_and_their_defaults():
    doc = snap(servers=[{'id': 'X', 'host': 'A', 'vcpus': 2,
                         'memory_mb': 512, 'cpu': 1.5, 'mem': 300,
                         'data_mb': 600}], note='tools may add fields')
    (server,) = snapshot.from_dict(doc).servers
    assert server.role is None and server.group is None
    assert server.status == 'ACTIVE' and not server.pinned
    assert server.movable


def test_round_trip_keeps_everything():
    doc = snap(servers=[master('M1', 'A', cpu=10, mem=100, name='db-1',
                               project='p1'),
                        vm('X', 'B', cpu=3, status='SHUTOFF', pinned=True)])
    cluster = snapshot.from_dict(doc)
    again = snapshot.from_dict(json.loads(json.dumps(
        snapshot.to_dict(cluster))))
    assert again.hosts == cluster.hosts
    assert again.servers == cluster.servers
    assert again.server('M1').role is model.Role.MASTER


@pytest.mark.parametrize('literal, field, message', [
    ('9' * 5000, 'cpu',
     "field 'cpu' must be <= 1e+12, got a 5000-digit number"),
    ('1e308', 'cpu', "field 'cpu' must be <= 1e+12, got 1e+308"),
    ('-' + '9' * 400, 'cpu',
     "field 'cpu' must be >= 0, got a 400-digit negative number"),
    ('1e400', 'cpu', "field 'cpu' must be a finite number, got inf"),
    ('123456789012345678901234567890123', 'cpu', "field 'cpu' must be <="),
])
def test_huge_numbers_are_refused_at_load_naming_record_and_field(
        literal, field, message):
    """Issue 11: a 5000-digit number was a ValueError traceback, 1e308
    gave inf in tables and Infinity in JSON."""
    text = json.dumps(snap()).replace('"cpu": 10', f'"{field}": {literal}')
    with pytest.raises(exceptions.InvalidSnapshot) as err:
        snapshot.loads(text)
    assert str(err.value).startswith("servers[0] (id 'M1'): ")
    assert message in str(err.value)
    assert '\n' not in str(err.value)


def test_huge_capacity_is_refused_too():
    doc = with_host(vcpus=1e300)
    with pytest.raises(exceptions.InvalidSnapshot,
                       match=r"hosts\[0\] \(name 'A'\): field 'vcpus' must "
                             r"be <= 1e\+12"):
        snapshot.from_dict(doc)
    assert snapshot.from_dict(with_host(vcpus=snapshot.MAX_NUMBER))


# The loader checks whole columns and words the first error from the
# record it finds (core/snapshot.py). Whatever the snapshot, the answer must
# be that of reading every record in order, as the loader once did: the
# same cluster, or the same one-line error.

def record_by_record(doc, cpu_threshold=None, mem_threshold=None):
    """The straightforward loader: each record read in snapshot order by
    the record rules, then the cluster's own checks."""
    if not isinstance(doc, dict) or not isinstance(doc.get('hosts'), list) \
            or not isinstance(doc.get('servers'), list):
        return snapshot.from_dict(doc, cpu_threshold, mem_threshold)
    # The top level (version) first, on no records.
    snapshot.from_dict(dict(doc, hosts=[], servers=[]))
    hosts = [snapshot._host(i, h, cpu_threshold, mem_threshold)
             for i, h in enumerate(doc['hosts'])]
    servers = [snapshot._server(i, s) for i, s in enumerate(doc['servers'])]
    return model.Cluster(hosts, servers)


def outcome(load, *args):
    try:
        cluster = load(*args)
    except exceptions.InvalidSnapshot as exc:
        return str(exc)
    return tuple(cluster.hosts), tuple(cluster.servers)


def big_snapshot(servers=300):
    hosts = [host(f'h{k}') for k in range(10)]
    return snap(hosts=hosts, servers=[
        vm(f'v{k}', f'h{k % 10}', cpu=k % 7, mem=10 + k % 5,
           group=f'g{k % 40}' if k % 3 else None,
           role='slave' if k % 3 else None) for k in range(servers)])


RECORD_LEVEL_BAD = [c for c in BAD if isinstance(c[1], dict)
                    and isinstance(c[1].get('hosts'), list)
                    and isinstance(c[1].get('servers'), list)]


@pytest.mark.parametrize('doc', [c[1] for c in RECORD_LEVEL_BAD],
                         ids=[c[0] for c in RECORD_LEVEL_BAD])
def test_a_bad_record_deep_in_a_big_snapshot_is_named_as_record_by_record(
        doc):
    # Each refused snapshot of BAD behind 10 good hosts and 150 good
    # servers: the error now names record 10 + i or 150 + i, as reading in
    # order does.
    good = big_snapshot(150)
    big = dict(doc, hosts=good['hosts'] + doc['hosts'],
               servers=good['servers'] + doc['servers'])
    expected = outcome(record_by_record, big)
    assert isinstance(expected, str)
    assert outcome(snapshot.from_dict, big) == expected


BAD_VALUES = [None, -1, 0, 0.5, 2, '', 'x', 'master', True, False,
              float('inf'), float('nan'), 1e13, 2 ** 70, [], {}, 'A', 'v3']
FIELDS = ['id', 'host', 'vcpus', 'memory_mb', 'cpu', 'mem', 'data_mb',
          'role', 'group', 'name', 'status', 'project', 'pinned', 'name',
          'cpu_threshold', 'mem_threshold', 'enabled']


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 299),
                          st.sampled_from(FIELDS),
                          st.sampled_from(BAD_VALUES + ['<drop>'])),
                max_size=4),
       st.sampled_from([None, 0.8]))
@settings(max_examples=300, deadline=None)
def test_the_column_scan_answers_as_reading_record_by_record(changes,
                                                             default):
    doc = big_snapshot()
    for on_host, k, field, value in changes:
        records = doc['hosts'] if on_host else doc['servers']
        record = records[k % len(records)]
        if value == '<drop>':
            record.pop(field, None)
        else:
            record[field] = value
    assert outcome(snapshot.from_dict, doc, default, default) == \
        outcome(record_by_record, doc, default, default)
