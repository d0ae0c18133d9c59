"""The test cloud is a real OpenStack: scheduling, Placement, live migration,
server groups and policy all behave as Nova's own code decides.

Runs against the minicloud by default, or against the cloud named in
NOVA_HOTSPOT_TEST_CLOUD (tests marked `minicloud` are skipped there).
"""

import os

import cloud_helpers
import openstack
import pytest
from openstack import exceptions as sdk_exc

FAKE_SIZES = {
    # driver: (VCPU, MEMORY_MB) reported by nova.virt.fake
    'fake.FakeDriver': (1000, 800000),
    'fake.MediumFakeDriver': (10, 8192),
    'fake.SmallFakeDriver': (2, 8192),
}
LOAD_DRIVER = 'load_driver.LoadFakeDriver'


def providers_by_name(conn):
    return {rp.name: rp for rp in conn.placement.resource_providers()}


def usages(conn, provider):
    return conn.placement.fetch_resource_provider_usages(provider).usages


def test_hypervisors_up(admin_conn, compute_hosts):
    assert len(compute_hosts) >= 2, 'need two compute hosts at least'
    hypervisors = {h.name: h for h in
                   admin_conn.compute.hypervisors(details=True)}
    for host in compute_hosts:
        assert hypervisors[host].state == 'up'
        assert hypervisors[host].status == 'enabled'


@pytest.mark.minicloud
def test_minicloud_hosts_are_the_configured_fakes(admin_conn, minicloud):
    hypervisors = {h.name: h for h in
                   admin_conn.compute.hypervisors(details=True)}
    assert sorted(hypervisors) == sorted(minicloud.compute_hosts)
    assert minicloud.compute_hosts[0] == 'compute1'
    assert all(h.hypervisor_type == 'fake' for h in hypervisors.values())


@pytest.mark.minicloud
def test_placement_inventory_per_compute(admin_conn, minicloud):
    providers = providers_by_name(admin_conn)
    for host in minicloud.compute_hosts:
        driver = minicloud.drivers[host]
        # The load driver's size is minicloud's --host-size (status --json).
        vcpus, ram = (minicloud.sizes[host] if driver == LOAD_DRIVER
                      else FAKE_SIZES[driver])
        assert minicloud.sizes[host] == (vcpus, ram)
        inventory = {i.resource_class: i for i in
                     admin_conn.placement.resource_provider_inventories(
                         providers[host])}
        assert inventory['VCPU'].total == vcpus
        assert inventory['VCPU'].allocation_ratio == \
            minicloud.allocation_ratios['cpu']
        assert inventory['MEMORY_MB'].total == ram
        assert inventory['MEMORY_MB'].allocation_ratio == \
            minicloud.allocation_ratios['ram']
        assert inventory['MEMORY_MB'].reserved == 512


def test_placement_usage_follows_a_server(admin_conn, helpers, compute_hosts):
    host = compute_hosts[-1]
    provider = providers_by_name(admin_conn)[host]
    before = usages(admin_conn, provider)
    server = helpers.boot_server((3, 1536), host=host)
    assert helpers.server_host(server) == host
    after = usages(admin_conn, provider)
    assert after['VCPU'] - before.get('VCPU', 0) == 3
    assert after['MEMORY_MB'] - before.get('MEMORY_MB', 0) == 1536
    allocation = admin_conn.placement.get_allocation(server.id)
    assert allocation.allocations[provider.id]['resources'] == {
        'VCPU': 3, 'MEMORY_MB': 1536, 'DISK_GB': 1}


def test_anti_affinity_members_on_distinct_hosts(admin_conn, helpers,
                                                 compute_hosts):
    slaves_wanted = min(3, len(compute_hosts) - 1)
    group, master, slaves = helpers.create_anti_affinity_group(
        (1, 512), [(1, 512)] * slaves_wanted)
    members = [master] + slaves
    hosts = [helpers.server_host(s) for s in members]
    assert len(set(hosts)) == len(members)
    group = admin_conn.compute.get_server_group(group.id)
    assert sorted(group.member_ids) == sorted(s.id for s in members)
    assert 'anti-affinity' in (group.policy, *(group.policies or []))
    roles = [admin_conn.compute.fetch_server_metadata(s).metadata[
        cloud_helpers.ROLE_KEY] for s in members]
    assert roles == ['master'] + ['slave'] * slaves_wanted


def test_live_migration_to_named_host(admin_conn, helpers, compute_hosts):
    source, target = compute_hosts[0], compute_hosts[1]
    server = helpers.boot_server((1, 512), host=source)
    assert helpers.server_host(server) == source
    migrated = helpers.live_migrate(server, target)
    assert migrated.compute_host == target
    records = list(admin_conn.compute.migrations(server_id=server.id))
    assert [m.status for m in records] == ['completed']
    assert records[0].migration_type == 'live-migration'
    assert records[0].dest_compute == target


def test_live_migration_onto_group_member_host_refused(admin_conn, helpers,
                                                       compute_hosts):
    host_a, host_b = compute_hosts[0], compute_hosts[1]
    _group, master, (slave,) = helpers.create_anti_affinity_group(
        (1, 512), [(1, 512)], hosts=[host_a, host_b])
    with pytest.raises(sdk_exc.BadRequestException, match='No valid host'):
        admin_conn.compute.live_migrate_server(
            slave, host=host_a, block_migration='auto')
    slave = helpers.wait_active(slave)
    assert helpers.server_host(slave) == host_b
    assert helpers.server_host(master) == host_a


def test_non_admin_refused_hypervisors_and_live_migration(
        user_conn, helpers, compute_hosts):
    with pytest.raises(sdk_exc.ForbiddenException):
        list(user_conn.compute.hypervisors())
    server = helpers.boot_server('mc.tiny' if helpers.info.is_minicloud
                                 else (1, 512), conn=user_conn)
    with pytest.raises(sdk_exc.ForbiddenException):
        user_conn.compute.live_migrate_server(
            server, host=compute_hosts[0], block_migration='auto')


@pytest.mark.minicloud
def test_clouds_yaml_works_without_endpoint_overrides(minicloud, monkeypatch):
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', minicloud.config_file)
    with open(minicloud.config_file) as f:
        assert 'endpoint' not in f.read()
    for cloud in (minicloud.admin_cloud, minicloud.user_cloud):
        conn = openstack.connect(cloud=cloud)
        try:
            for service in ('compute', 'placement', 'image', 'network'):
                url = conn.endpoint_for(service)
                assert url.startswith('http://127.0.0.1:'), (service, url)
            assert list(conn.compute.flavors())
            assert list(conn.image.images(name=cloud_helpers.MINICLOUD_IMAGE))
            list(conn.network.networks())
        finally:
            conn.close()
    assert os.path.exists(minicloud.config_file)
