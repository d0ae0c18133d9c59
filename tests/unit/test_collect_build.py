"""collect.build: typed cloud records in, core snapshot out."""

import dataclasses

import pytest
from oslo_config import cfg

from nova_hotspot import conf as hotspot_conf
from nova_hotspot.cloud import records
from nova_hotspot.cloud.records import ServerGroup
from nova_hotspot.collect import build as collector
from nova_hotspot.conf import settings as settings_mod
from nova_hotspot.core import detect
from nova_hotspot.core import model
from nova_hotspot.core import validate
from nova_hotspot.usage.base import ServerUsage
from nova_hotspot.usage.base import UsageReport
from tests.unit import paper_oracle as paper


def settings(**overrides):
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf([], project='nova-hotspot-test', default_config_files=[])
    return collector.Options.from_settings(
        dataclasses.replace(settings_mod.load(conf), **overrides))


def inventory(vcpu=1000, ram=800000, ratio=4.0, reserved_ram=512):
    return {'VCPU': records.Inventory(total=vcpu, reserved=0,
                                      allocation_ratio=ratio),
            'MEMORY_MB': records.Inventory(total=ram, reserved=reserved_ram,
                                           allocation_ratio=1.0)}


def hyp(n, state='up', status='enabled'):
    return records.Hypervisor(id=f'rp{n}', hypervisor_hostname=f'node{n}',
                              state=state, status=status,
                              service_host=f'compute{n}')


def server(sid, host, vcpus, ram=1024, role=None, status='ACTIVE',
           task_state=None, created=None, **extra):
    meta = {'hotspot_role': role} if role else {}
    meta.update(extra.pop('metadata', {}))
    return records.Server(
        id=sid, name=sid, host=host, status=status, task_state=task_state,
        locked=extra.get('locked', False),
        project_id=extra.get('project_id', 'p1'), metadata=meta,
        created=created or f'2026-01-01T00:00:{len(sid):02d}',
        flavor=records.Flavor(vcpus=vcpus, ram=ram, disk=1))


# The paper's figure 2, x10 CPU on 1000-VCPU hosts.
FIGURE2 = [('M1', 1, 500, 'master', 'b1'), ('S21', 1, 200, 'slave', 'b2'),
           ('S31', 1, 200, 'slave', 'b3'), ('M2', 2, 400, 'master', 'b2'),
           ('S11', 2, 200, 'slave', 'b1'), ('M3', 3, 450, 'master', 'b3'),
           ('S22', 3, 100, 'slave', 'b2'), ('S12', 4, 150, 'slave', 'b1'),
           ('S32', 4, 100, 'slave', 'b3'), ('V51', 5, 150, None, None)]


def figure2_raw(hypervisors=None, inventories=None, aggregates=()):
    servers = [server(sid, f'compute{h}', cpu, role=role,
                      created=f'2026-01-01T00:00:{i:02d}')
               for i, (sid, h, cpu, role, _) in enumerate(FIGURE2)]
    groups = [ServerGroup(g, 'anti-affinity',
                    tuple(sid for sid, _, _, _, gg in FIGURE2 if gg == g))
              for g in ('b1', 'b2', 'b3')]
    hyps = hypervisors or [hyp(n) for n in (1, 2, 3, 4, 5)]
    invs = inventories or {h.id: inventory() for h in hyps}
    return collector.RawCloud(hyps, invs, servers, groups, list(aggregates))


def placement_usage(servers):
    return UsageReport()


def test_figure2_maps_onto_the_core_and_paper_moves_m1_to_compute5():
    c = collector.build(figure2_raw(), settings(capacity='physical'),
                        placement_usage)
    cluster = c.cluster
    assert [h.name for h in cluster.hosts] == [f'compute{n}'
                                              for n in range(1, 6)]
    assert cluster.host('compute1').vcpus == 1000
    assert cluster.host('compute1').memory_mb == 800000 - 512
    m1 = cluster.server('M1')
    assert (m1.host, m1.cpu, m1.role, m1.group) == (
        'compute1', 500, model.Role.MASTER, 'b1')
    assert [h.host for h in detect.detect(cluster)] == ['compute1']
    plan = paper.PaperStrategy().plan(cluster)
    assert [(m.server, m.target) for m in plan.migrations] == [
        ('M1', 'compute5')]
    assert validate.validate_plan(cluster, plan) == []
    assert c.problems == []


def test_allocation_capacity_uses_the_ratio():
    c = collector.build(figure2_raw(), settings(capacity='allocation'),
                        placement_usage)
    assert c.cluster.host('compute1').vcpus == 4000
    assert detect.detect(c.cluster) == []


def test_aggregate_overrides_lowest_wins_bad_value_reported():
    aggs = [records.Aggregate(name='a', hosts=('compute2',),
                              metadata={'hotspot_cpu_threshold': '0.5'}),
            records.Aggregate(name='b', hosts=('compute2', 'compute3'),
                              metadata={'hotspot_cpu_threshold': '0.7',
                                        'hotspot_mem_threshold': '2'})]
    c = collector.build(figure2_raw(aggregates=aggs),
                        settings(capacity='physical'), placement_usage)
    assert c.cluster.host('compute2').cpu_threshold == 0.5
    assert c.cluster.host('compute3').cpu_threshold == 0.7
    assert c.cluster.host('compute1').cpu_threshold == 0.8
    assert c.cluster.host('compute3').mem_threshold == 0.8
    assert [p.kind for p in c.problems] == ['bad-aggregate-threshold']
    # compute2 (600 of 500) is now hot too
    assert {h.host for h in detect.detect(c.cluster)} == {'compute1',
                                                         'compute2'}


def test_down_disabled_excluded_hosts_and_missing_inventory():
    hyps = [hyp(1), hyp(2, state='down'), hyp(3, status='disabled'),
            hyp(4), hyp(5)]
    invs = {h.id: inventory() for h in hyps}
    del invs['rp4']
    raw = figure2_raw(hypervisors=hyps, inventories=invs)
    c = collector.build(raw, settings(capacity='physical',
                                      excluded_hosts=frozenset({'compute5'})),
                        placement_usage)
    hosts = {h.name: h for h in c.cluster.hosts}
    assert set(hosts) == {'compute1', 'compute2', 'compute3', 'compute5'}
    assert hosts['compute1'].enabled
    assert not hosts['compute2'].enabled   # down
    assert not hosts['compute3'].enabled   # disabled
    assert not hosts['compute5'].enabled   # excluded
    # down and excluded hosts: their servers may not move; disabled: may
    assert c.cluster.server('M2').pinned
    assert c.cluster.server('V51').pinned
    assert not c.cluster.server('M3').pinned
    kinds = sorted(p.kind for p in c.problems)
    assert kinds == ['no-inventory', 'unknown-host', 'unknown-host']
    assert {p.server for p in c.problems if p.kind == 'unknown-host'} == {
        'S12', 'S32'}
    # nowhere to go: no target is up, enabled and not excluded
    plan = paper.PaperStrategy().plan(c.cluster)
    assert plan.migrations == ()


def test_server_states_and_pins():
    raw = figure2_raw()
    extra = [server('busy', 'compute1', 1, task_state='migrating'),
             server('err', 'compute1', 1, status='ERROR'),
             server('nohost', None, 1, status='BUILD'),
             server('opt', 'compute1', 1,
                    metadata={'hotspot_optout': 'Yes'}),
             server('lock', 'compute1', 1, locked=True),
             server('proj', 'compute1', 1, project_id='secret'),
             server('cool', 'compute1', 1)]
    raw = dataclasses.replace(
        raw, servers=raw.servers + extra,
        groups=raw.groups + [ServerGroup('aff', 'affinity', ('M2',))])
    c = collector.build(
        raw, settings(capacity='physical',
                      excluded_projects=frozenset({'secret'})),
        placement_usage, extra_pins={'cool': 'cooldown'})
    cl = c.cluster
    assert cl.server_index('nohost') is None
    assert cl.server('busy').status == 'ACTIVE/migrating'
    assert not cl.server('busy').movable
    assert not cl.server('err').movable
    for sid in ('opt', 'lock', 'proj', 'cool', 'M2'):
        assert cl.server(sid).pinned, sid
    assert c.pins['cool'] == ('cooldown',)
    assert not cl.server('M1').pinned
    # load counts whatever the status
    # (six more servers of 1 vCPU on compute1; 'nohost' is on none)
    assert detect.detect(cl)[0].cpu_used == 900 + 6


def test_usage_source_numbers_win_and_missing_ones_fall_back():
    def half(servers):
        return UsageReport({s.id: ServerUsage(s.flavor.vcpus / 2, 10.0)
                            for s in servers if s.id != 'M1'})
    c = collector.build(figure2_raw(), settings(capacity='physical'), half)
    assert c.cluster.server('S21').cpu == 100
    assert c.cluster.server('S21').mem == 10.0
    assert c.cluster.server('M1').cpu == 500
    assert (c.cluster.server('M1').cpu, c.cluster.server('M1').mem) == (
        500, 1024)


@pytest.mark.parametrize('inv, mode, expected', [
    ({'total': 10, 'reserved': 2, 'allocation_ratio': 4.0}, 'allocation',
     32.0),
    ({'total': 10, 'reserved': 2, 'allocation_ratio': 4.0}, 'physical',
     8.0),
    ({'total': 10, 'reserved': 20, 'allocation_ratio': 1.0}, 'allocation',
     0.0),
])
def test_capacity(inv, mode, expected):
    assert collector.capacity(records.Inventory(**inv), mode) == expected


# --- migration data: memory in use, plus local disks -----------------------

def data_cloud(**flavor):
    sizes = dict(vcpus=2, ram=4096, disk=20, ephemeral=0, swap=0)
    sizes.update(flavor)
    volume = sizes.pop('volume_backed', False)
    srv = dataclasses.replace(server('s1', 'compute1', 2),
                              flavor=records.Flavor(**sizes),
                              volume_backed=volume)
    return collector.RawCloud([hyp(1)], {'rp1': inventory()}, [srv], [], [])


def measured(mem_mb):
    def usage(servers):
        return UsageReport({'s1': ServerUsage(cpu=1.0, mem_mb=mem_mb)})
    usage.measures_memory = True
    return usage


def data_of(raw, usage, **options):
    return collector.build(raw, settings(**options), usage).cluster.server(
        's1').data_mb


@pytest.mark.parametrize('flavor, usage, storage, expected', [
    # memory in use where the source measures it, else the flavor's RAM
    ({}, measured(1500), 'shared', 1500),
    ({}, placement_usage, 'shared', 4096),
    # a source that does not measure memory: its number is not "in use"
    ({}, lambda servers: UsageReport({'s1': ServerUsage(1.0, 1500)}),
     'shared', 4096),
    # local instance storage: a block migration copies root, ephemeral, swap
    ({}, measured(1500), 'local', 1500 + 20 * 1024),
    ({'ephemeral': 10, 'swap': 512}, measured(1500), 'local',
     1500 + 30 * 1024 + 512),
    # boot from volume: the root disk stays on the volume
    ({'volume_backed': True, 'swap': 512}, measured(1500), 'local',
     1500 + 512),
    ({'ephemeral': 10}, measured(1500), 'shared', 1500),
    # an unusable disk size counts nothing; never less than 1 MB
    ({'disk': 'lots'}, measured(0), 'local', 1),
])
def test_migration_data_is_memory_in_use_plus_local_disks(
        flavor, usage, storage, expected):
    assert data_of(data_cloud(**flavor), usage,
                   instance_storage=storage) == expected


def test_server_without_a_usage_sample_copies_its_flavor_ram():
    def usage(servers):
        return UsageReport({})
    usage.measures_memory = True
    assert data_of(data_cloud(), usage, instance_storage='shared') == 4096


def test_a_quarantined_host_is_no_target_and_says_why():
    """Issue 11 item 1: the quarantine is plain data feeding the hosts'
    "why not a target", like the cooldown pins feed the servers'."""
    why = 'quarantined: migration of X to it timeout, 600s left'
    c = collector.build(figure2_raw(), settings(capacity='physical'),
                        placement_usage, quarantined={'compute5': why})
    assert not c.cluster.host('compute5').enabled
    assert c.hosts['compute5'].why_not_target == why
    assert c.hosts['compute4'].target
    # its own servers may still move off it
    assert not c.cluster.server('V51').pinned
    # M1's only other home was compute5 (compute4 holds its slave)
    plan = paper.PaperStrategy().plan(c.cluster)
    assert plan.migrations == ()


def test_stuck_migrations_are_judged_by_age_from_nova_records():
    rec = records.Migration
    found = collector.stuck({
        'old': rec(1, 'running', '2026-01-01T00:00:00.000000',
                   'compute1', 'compute2'),
        'young': rec(2, 'running', '2026-01-01T00:09:00Z', 'compute3',
                     'compute4'),
        'no-time': rec(3, 'running', None, 'compute3', 'compute4'),
    }, now=1767226500.0, limit=420)          # 2026-01-01T00:15:00Z
    assert list(found) == ['old']
    assert str(found['old']) == ('migration of old from compute1 to '
                                 'compute2 stuck: in flight for 900s')


def test_a_stuck_migration_names_its_server_by_name_and_id():
    rec = records.Migration
    uuid = '114b085d-0000-4000-8000-000000000001'
    found = collector.stuck(
        {uuid: rec(1, 'running', '2026-01-01T00:00:00Z', 'c1', 'c2')},
        now=1767226500.0, limit=420, names={uuid: 'web-1'})
    assert str(found[uuid]).startswith(
        'migration of web-1 (114b085d) from c1 to c2 stuck:')


def test_a_stuck_migration_names_the_target_the_agent_asked_for():
    """Nova's record names no target while its conductor waits for the
    pre-check on a dead one; the agent knows where it sent the server."""
    rec = records.Migration
    nova = {'S': rec(1, 'accepted', '2026-01-01T00:00:00Z', 'compute1',
                     None)}
    found = collector.stuck(nova, now=1767226500.0, limit=420,
                            requested={'S': 'compute2', 'other': 'x'})
    assert str(found['S']) == ('migration of S from compute1 to compute2 '
                               'stuck: in flight for 900s')
    unknown = collector.stuck(nova, now=1767226500.0, limit=420)
    assert unknown['S'].target is None and ' to ? stuck' in str(
        unknown['S'])


def test_a_stuck_migration_pins_its_hosts_not_the_rest():
    stuck = {'X': collector.Stuck('X', 'compute1', 'compute5', 900.0)}
    c = collector.build(figure2_raw(), settings(capacity='physical'),
                        placement_usage, stuck_migrations=stuck)
    assert c.stuck == stuck
    assert not c.cluster.host('compute5').enabled
    assert c.hosts['compute5'].why_not_target.startswith(
        'migration of X from compute1 to compute5 stuck')
    # the servers on both hosts stay where they are; others may move
    assert c.cluster.server('M1').pinned and c.cluster.server('V51').pinned
    assert 'host compute1: migration of X' in c.pins['M1'][-1]
    assert not c.cluster.server('M3').pinned


def test_a_compute_host_with_several_nodes_gives_one_host_per_node():
    """compute1 serves three nodes (as for Ironic, or the minicloud's
    --nodes-per-compute 3), compute2 one: each node is a host with its
    own inventory and servers, none is a target and their servers stay
    (Nova live-migrates to a host, not a node); no duplicate-host."""
    node = [records.Hypervisor(id=f'rp-n{i}',
                               hypervisor_hostname=f'compute1-node{i}',
                               state='up', status='enabled',
                               service_host='compute1') for i in (1, 2, 3)]
    single = records.Hypervisor(id='rp2', hypervisor_hostname='compute2',
                                state='up', status='enabled',
                                service_host='compute2')
    servers = [
        dataclasses.replace(server('a', 'compute1', 900),
                            node='compute1-node2'),
        dataclasses.replace(server('b', 'compute1', 100),
                            node='compute1-node3'),
        dataclasses.replace(server('c', 'compute2', 100), node='compute2')]
    aggs = [records.Aggregate(name='slow', hosts=('compute1',),
                              metadata={'hotspot_cpu_threshold': '0.5'})]
    raw = collector.RawCloud(node + [single],
                             {h.id: inventory() for h in node + [single]},
                             servers, [], aggs)
    c = collector.build(raw, settings(capacity='physical'), placement_usage)
    assert [h.name for h in c.cluster.hosts] == [
        'compute1-node1', 'compute1-node2', 'compute1-node3', 'compute2']
    assert [(s.id, s.host) for s in c.cluster.servers] == [
        ('a', 'compute1-node2'), ('b', 'compute1-node3'), ('c', 'compute2')]
    assert c.cluster.host('compute1-node2').cpu_threshold == 0.5
    assert [h.host for h in detect.detect(c.cluster)] == ['compute1-node2']
    assert [h.name for h in c.cluster.hosts if h.enabled] == ['compute2']
    assert c.hosts['compute1-node1'].why_not_target == (
        'one of 3 nodes of compute host compute1 (Nova live-migrates to a '
        'host, not a node)')
    assert c.pins['a'] and not c.pins['c']
    assert [p.kind for p in c.problems] == ['multi-node-host']
    assert 'compute1 serves 3 nodes (compute1-node1 ... compute1-node3)' \
        in str(c.problems[0])
