"""Collecting a cloud whose computes serve several nodes, on the minicloud
(`minicloud start --nodes-per-compute N`): each node is its own host, and
inventories are read again only where a provider's generation moved.

The sizes that show how calls grow are a benchmark
(benchmarks/collect_minicloud.py, doc/benchmarks.md); this is the small
one CI runs. It restarts the cloud with 2 computes x 3 nodes (then as it
was) unless it runs so already: only when this session started it.
"""

import cloud_helpers
import pytest

from nova_hotspot.cloud import Cloud
from nova_hotspot.collect import build
from nova_hotspot.collect import fetch
from nova_hotspot.collect import inventories
from nova_hotspot.usage.placement import PlacementUsage

NODES = ['compute1-node1', 'compute1-node2', 'compute1-node3',
         'compute2-node1', 'compute2-node2', 'compute2-node3']


@pytest.fixture
def multi_node(minicloud):
    status = cloud_helpers.minicloud_status()
    shape = [c.get('nodes') for c in status['computes']]
    restarted = False
    if shape != [NODES[:3], NODES[3:]]:
        if not minicloud.started_here:
            pytest.skip('the cloud was not started by this session: start '
                        'it with --computes 2 --nodes-per-compute 3 to run '
                        'this test')
        cloud_helpers.minicloud('start', '--computes', '2',
                                '--nodes-per-compute', '3')
        restarted = True
    try:
        yield cloud_helpers.minicloud_status()
    finally:
        if restarted:
            cloud_helpers.minicloud(*cloud_helpers.restart_args(status))


@pytest.mark.minicloud
def test_each_node_is_a_host_and_unchanged_inventories_are_not_read(
        multi_node, minicloud):
    assert [c['nodes'] for c in multi_node['computes']] == [
        NODES[:3], NODES[3:]]
    conn = cloud_helpers.connect(minicloud.admin_cloud, minicloud.config_file)
    helpers = cloud_helpers.CloudHelpers(conn, minicloud)
    try:
        hypervisors = {h.name: h.service_details['host']
                       for h in conn.compute.hypervisors(details=True)}
        assert hypervisors == {n: n.split('-')[0] for n in NODES}
        # One request boots five, spread by the scheduler.
        first = conn.compute.create_server(
            name=helpers.name('batch'), flavor_id=helpers.flavor(
                (1, 64, 0)).id, image_id=helpers.image_id(),
            networks='none', min_count=5, max_count=5)
        helpers.track(server=first)
        booted = [s for s in conn.compute.servers(all_projects=True)
                  if s.name.startswith(first.name)]
        for server in booted:
            helpers.track(server=server)
            helpers.wait_active(server)

        cloud = Cloud.from_cloud_name(
            minicloud.admin_cloud, config_files=[minicloud.config_file]
            if minicloud.config_file else None)
        cache = inventories.InventoryCache()

        def collect():
            return fetch.collect(cloud, build.Options(), PlacementUsage(),
                                 cache=cache, workers=4)
        one, two = collect(), collect()
        assert [h.name for h in one.cluster.hosts] == NODES
        nova_nodes = {s.id: s.hypervisor_hostname for s in
                      conn.compute.servers(all_projects=True)}
        assert {s.id: s.host for s in one.cluster.servers} == {
            sid: nova_nodes[sid] for sid in nova_nodes}
        assert [p.kind for p in one.problems] == ['multi-node-host'] * 2
        assert not any(h.target for h in one.hosts.values())
        assert one.inventory_sources == {'cache': 0, 'placement': 6}
        assert two.inventory_sources == {'cache': 6, 'placement': 0}
        def reads(collection):
            return sum(n for k, n in collection.api_calls.items()
                       if k.endswith('/inventories'))
        assert (reads(one), reads(two)) == (6, 0), (one.api_calls,
                                                    two.api_calls)
        assert sum(two.api_calls.values()) <= \
            sum(one.api_calls.values()) - 6
        assert [(h.name, h.vcpus) for h in two.cluster.hosts] == [
            (h.name, h.vcpus) for h in one.cluster.hosts]

        # A server booted onto one node moves that provider's generation
        # (its allocation): that inventory alone is read again.
        helpers.boot_server((1, 64, 0), node='compute2-node3')
        three = collect()
        assert three.inventory_sources == {'cache': 5, 'placement': 1}
        assert len(three.cluster.servers) == len(one.cluster.servers) + 1
    finally:
        helpers.cleanup()
