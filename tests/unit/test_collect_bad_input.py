"""Bad input from the cloud (issue 5, item 6): collect.build on records
of what the API could return. Each oddity is reported once, naming the ids
involved, and handled by the rule in doc/failure-behaviour.md; build never
raises, and no plan moves a server, or targets a host, whose numbers are
bad.
"""

import math

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from nova_hotspot import plugins
from nova_hotspot.cloud import records
from nova_hotspot.cloud.records import ServerGroup as Group
from nova_hotspot.collect import build as collector
from nova_hotspot.core import detect
from nova_hotspot.core import model
from nova_hotspot.core import validate
from nova_hotspot.usage.base import ServerUsage
from nova_hotspot.usage.base import UsageReport
from tests.unit.test_collect_build import hyp
from tests.unit.test_collect_build import inventory
from tests.unit.test_collect_build import server
from tests.unit.test_collect_build import settings

SETTINGS = settings(capacity='physical')
HOSTS = [hyp(n) for n in (1, 2, 3)]


def flavor_usage(servers):
    return UsageReport()


def raw(servers, groups=(), inventories=None, hypervisors=HOSTS):
    invs = inventories if inventories is not None else {
        h.id: inventory(ratio=1.0) for h in hypervisors}
    return collector.RawCloud(list(hypervisors), invs, list(servers),
                              list(groups), [])


def kinds(collection):
    return [p.kind for p in collection.problems]


def only(collection, kind):
    found = [p for p in collection.problems if p.kind == kind]
    assert len(found) == 1, collection.problems
    return found[0]


def plan(collection, strategy='paper'):
    cluster = collection.cluster
    result = plugins.load_strategy(strategy).plan(cluster)
    assert validate.validate_plan(cluster, result) == []
    return result


def hot_c1(*extra, groups=(), **kw):
    """compute1 hot (M 500 + X 400 > 800), compute2/3 empty."""
    servers = [server('M', 'compute1', 500, role='master'),
               server('X', 'compute1', 400), *extra]
    return raw(servers, [Group('g', 'anti-affinity', ('M',)), *groups],
               **kw)


# --- roles ------------------------------------------------------------------

def test_malformed_role_values_are_reported_and_ignored():
    servers = [server('A', 'compute1', 1, role=' MASTER '),
               server('B', 'compute2', 1, role='boss'),
               server('C', 'compute3', 1, metadata={'hotspot_role': 7})]
    c = collector.build(raw(servers, [Group('g', 'anti-affinity',
                                            ('A', 'B', 'C'))]),
                        SETTINGS, flavor_usage)
    roles = {s.id: s.role for s in c.cluster.servers}
    assert roles == {'A': model.Role.MASTER, 'B': None, 'C': None}
    unknown = [p for p in c.problems if p.kind == 'unknown-role']
    assert sorted(p.server for p in unknown) == ['B', 'C']
    assert all(p.group == 'g' for p in unknown)


def test_two_masters_none_is_master_and_nothing_of_them_moves():
    servers = [server('M1', 'compute1', 500, role='master'),
               server('M2', 'compute2', 10, role='master'),
               server('X', 'compute1', 400)]
    c = collector.build(raw(servers, [Group('g', 'anti-affinity',
                                            ('M1', 'M2'))]),
                        SETTINGS, flavor_usage)
    problem = only(c, 'several-masters')
    assert problem.group == 'g' and 'M1' in problem.message \
        and 'M2' in problem.message
    assert all(s.role is None for s in c.cluster.servers)
    assert [h.host for h in detect.detect(c.cluster)] == ['compute1']
    assert plan(c).migrations == ()          # paper moves masters only


def test_group_without_master_is_reported():
    servers = [server('S1', 'compute1', 1, role='slave'),
               server('S2', 'compute2', 1, role='slave')]
    c = collector.build(raw(servers, [Group('g', 'anti-affinity',
                                            ('S1', 'S2'))]),
                        SETTINGS, flavor_usage)
    assert only(c, 'no-master').group == 'g'


def test_conflicting_membership_first_group_keeps_the_server():
    servers = [server('M', 'compute1', 1, role='master')]
    groups = [Group('g1', 'anti-affinity', ('M',)),
              Group('g2', 'anti-affinity', ('M', 'gone'))]
    c = collector.build(raw(servers, groups), SETTINGS, flavor_usage)
    assert c.cluster.server('M').group == 'g1'
    assert only(c, 'several-groups').group == 'g2'
    assert only(c, 'member-gone').server == 'gone'


# --- servers ----------------------------------------------------------------

def test_servers_in_error_count_as_load_but_never_move():
    c = collector.build(hot_c1(server('E', 'compute1', 100,
                                      status='ERROR')),
                        SETTINGS, flavor_usage)
    err = c.cluster.server('E')
    assert err.cpu == 100 and not err.movable
    assert all(m.server != 'E' for m in plan(c, 'cure').migrations)


def test_server_without_host_reported_unless_building_or_offloaded():
    servers = [server('E', None, 10, status='ERROR'),
               server('A', None, 10, status='ACTIVE'),
               server('B', None, 10, status='BUILD'),
               server('O', None, 10, status='SHELVED_OFFLOADED')]
    c = collector.build(raw(servers), SETTINGS, flavor_usage)
    assert sorted(p.server for p in c.problems if p.kind == 'no-host') == [
        'A', 'E']
    assert c.cluster.servers == ()


def test_server_listed_twice_or_without_id():
    servers = [server('A', 'compute1', 10), server('A', 'compute2', 10),
               records.Server(id=None, name='anonymous', host='compute1')]
    c = collector.build(raw(servers), SETTINGS, flavor_usage)
    assert [s.id for s in c.cluster.servers] == ['A']
    assert only(c, 'duplicate-server').server == 'A'
    assert 'anonymous' in only(c, 'server-without-id').message


# --- inventories ------------------------------------------------------------

def test_zero_missing_or_bad_inventory_leaves_the_host_out():
    bad = {'rp1': inventory(ratio=1.0), 'rp2': inventory(vcpu=0),
           'rp3': {'VCPU': records.Inventory(total=float('nan'),
                                             reserved=0)}}
    hyps = HOSTS + [hyp(4), hyp(5)]
    bad['rp4'] = {'VCPU': records.Inventory(total=10, reserved=-5),
                  'MEMORY_MB': records.Inventory(total=100)}
    # rp5: none at all
    servers = [server('S2', 'compute2', 1), server('S4', 'compute4', 1)]
    c = collector.build(raw(servers, inventories=bad, hypervisors=hyps),
                        SETTINGS, flavor_usage)
    assert [h.name for h in c.cluster.hosts] == ['compute1']
    bad_inv = [p for p in c.problems if p.kind == 'bad-inventory']
    assert sorted(p.message.split(':')[0] for p in bad_inv) == [
        'host compute2', 'host compute4']
    assert 'rp2' in bad_inv[0].message
    no_inv = [p for p in c.problems if p.kind == 'no-inventory']
    assert sorted(p.message.split(':')[0] for p in no_inv) == [
        'host compute3', 'host compute5']
    assert sorted(p.server for p in c.problems
                  if p.kind == 'unknown-host') == ['S2', 'S4']


# --- usage values ------------------------------------------------------------

BAD_USAGE = [ServerUsage(-1.0, 512.0), ServerUsage(float('nan'), 512.0),
             ServerUsage(1.0, float('inf')), ServerUsage(None, 512.0),
             ServerUsage('x', 1), (1.0,), 'garbage']


def test_bad_usage_values_fall_back_to_the_flavor():
    servers = [server(f'U{i}', 'compute1', 100, ram=1024)
               for i in range(len(BAD_USAGE))]
    servers.append(server('OK', 'compute2', 100, ram=1024))
    servers.append(server('MISSING', 'compute2', 50, ram=256))

    def usage(records):
        values = {f'U{i}': v for i, v in enumerate(BAD_USAGE)}
        values['OK'] = ServerUsage(3.5, 300.0)
        return UsageReport(values)

    c = collector.build(raw(servers), SETTINGS, usage)
    reported = sorted(p.server for p in c.problems if p.kind == 'bad-usage')
    assert reported == sorted(f'U{i}' for i in range(len(BAD_USAGE)))
    for i in range(len(BAD_USAGE)):
        s = c.cluster.server(f'U{i}')
        assert (s.cpu, s.mem) == (100, 1024)
    assert (c.cluster.server('OK').cpu, c.cluster.server('OK').mem) == (
        3.5, 300.0)
    assert c.cluster.server('MISSING').cpu == 50        # flavor, silently


def test_bad_flavor_numbers_pin_the_server_and_the_host_is_no_target():
    # compute2 would be the paper's target (first empty host), but a
    # server on it has a NaN flavor: its load is unknown.
    odd = server('N', 'compute2', float('nan'))
    c = collector.build(hot_c1(odd), SETTINGS, flavor_usage)
    assert only(c, 'bad-flavor').server == 'N'
    assert c.cluster.server('N').pinned
    assert not c.cluster.host('compute2').enabled
    assert c.hosts['compute2'].why_not_target.startswith('server N')
    result = plan(c)
    assert [(m.server, m.target) for m in result.migrations] == [
        ('M', 'compute3')]


# --- never a crash -----------------------------------------------------------

ODD = (st.none() | st.booleans() | st.integers(-10**9, 10**9)
       | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5)
       | st.lists(st.integers(), max_size=2))
NUMBERISH = (st.integers(-5, 2000) | st.floats(allow_nan=True,
                                               allow_infinity=True)
             | st.sampled_from([None, '12', 'x', True]))


@st.composite
def messy_clouds(draw):
    n_hosts = draw(st.integers(1, 4))
    hyps, invs = [], {}
    for n in range(1, n_hosts + 1):
        hyps.append(records.Hypervisor(
            id=f'rp{n}',
            hypervisor_hostname=draw(st.sampled_from(
                [f'node{n}', None, ''])),
            state=draw(st.sampled_from(['up', 'down', None])),
            status=draw(st.sampled_from(['enabled', 'disabled', None])),
            service_host=draw(st.sampled_from(
                [f'compute{n}', f'compute{n}', None, 'compute1']))))
        if draw(st.booleans()) or n == 1:
            invs[f'rp{n}'] = {
                rc: records.Inventory(total=draw(NUMBERISH),
                                      reserved=draw(NUMBERISH),
                                      allocation_ratio=draw(NUMBERISH))
                for rc in ('VCPU', 'MEMORY_MB')}
    servers = []
    for i in range(draw(st.integers(0, 8))):
        servers.append(records.Server(
            id=draw(st.sampled_from([f's{i}', f's{i}', 's0', None])),
            name=draw(ODD),
            host=draw(st.sampled_from([f'compute{n}' for n in
                                       range(1, 6)] + [None, 7])),
            status=draw(st.sampled_from(['ACTIVE', 'ERROR', 'BUILD',
                                         'MIGRATING', None])),
            task_state=draw(st.sampled_from([None, 'migrating', 'x'])),
            locked=draw(ODD), project_id=draw(ODD),
            metadata=draw(st.sampled_from([
                {}, {'hotspot_role': 'master'}, {'hotspot_role': 'slave'},
                {'hotspot_role': 3}, None, 'x', {'hotspot_optout': 'yes'}])),
            created=draw(ODD),
            flavor=draw(st.sampled_from([None, 'x'])) if draw(
                st.integers(0, 5)) == 0 else records.Flavor(
                    vcpus=draw(NUMBERISH), ram=draw(NUMBERISH),
                    disk=draw(NUMBERISH))))
    ids = [f's{i}' for i in range(len(servers))] + ['ghost']
    groups = [Group(f'g{k}', draw(st.sampled_from(
        ['anti-affinity', 'affinity', 'soft-anti-affinity', None])),
        tuple(draw(st.lists(st.sampled_from(ids), max_size=4))))
        for k in range(draw(st.integers(0, 3)))]
    usage = {sid: draw(st.sampled_from([
        ServerUsage(1.0, 2.0), ServerUsage(-1, 2),
        ServerUsage(float('nan'), 1), None, (5,), 'x']))
        for sid in ids if draw(st.booleans())}
    return collector.RawCloud(hyps, invs, servers, groups, []), usage


def sound(value):
    return isinstance(value, float) and math.isfinite(value) and value >= 0


@hsettings(max_examples=300, deadline=None,
           suppress_health_check=[HealthCheck.too_slow])
@given(messy_clouds(), st.sampled_from(['paper', 'cure', 'volume']))
def test_messy_cloud_never_crashes_and_never_moves_on_bad_numbers(
        cloud_and_usage, strategy):
    cloud, usage_values = cloud_and_usage
    c = collector.build(cloud, SETTINGS,
                        lambda servers: UsageReport(usage_values))
    cluster = c.cluster
    for h in cluster.hosts:
        assert sound(h.vcpus) and h.vcpus > 0
        assert sound(h.memory_mb) and h.memory_mb > 0
    for s in cluster.servers:
        assert all(sound(v) for v in (s.vcpus, s.memory_mb, s.cpu, s.mem))
    result = plugins.load_strategy(strategy).plan(cluster)
    assert validate.validate_plan(cluster, result) == []
    for m in result.migrations:
        assert not c.pins[m.server]
        assert c.hosts[m.target].target
