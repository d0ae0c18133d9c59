"""The Nova scheduler side on the minicloud: the agent marks a hot host in
Placement and the real nova-scheduler, with nova_hotspot.scheduler's
HotspotFilter and HotspotWeigher enabled (tools/minicloud does it unless
started with --no-hotspot-scheduler), sends no new server and no
migration there; nothing of OpenStack is mocked.

Hosts are made hot by allocation (the default usage source, placement,
takes each server's flavor): fake computes of 1000 vCPUs at threshold
0.8, two servers of 410 vCPUs are 820 > 800, with room left for more.
Boots "without a host" go into an availability zone of two or three
hosts, so where Nova may put them is known and a test can fail: when
the mark is gone, a server that must take the hot host (an anti-affinity
pair over two hosts) does take it.
"""

import contextlib
import os
import time

import cloud_helpers
import pytest
from agent_helpers import Flavors
from agent_helpers import make_agent

from nova_hotspot.cloud import traits as traits_gateway
from nova_hotspot.core import marks

pytestmark = pytest.mark.minicloud

CPU, NEAR = marks.CPU_TRAIT, marks.NEAR_TRAIT
HOT_VCPUS = 410          # two of them: 820 > 800 of 1000 at 0.8


@pytest.fixture
def scheduler(minicloud):
    """The minicloud's hotspot scheduler settings (status --json)."""
    status = cloud_helpers.minicloud_status()
    settings = status.get('hotspot_scheduler')
    if not settings:
        pytest.skip('the minicloud runs without the hotspot scheduler '
                    '(started with --no-hotspot-scheduler)')
    return settings


@pytest.fixture
def placement(admin_conn):
    """Placement traits through the agent's gateway; no mark of ours on
    any provider when the test starts (helpers' cleanup removes them at
    the end)."""
    cloud_helpers.clear_hotspot_marks(admin_conn)
    return traits_gateway.Traits(admin_conn)


class Scheduling:
    """What the tests do on the cloud, by host name."""

    def __init__(self, helpers, conn, placement, scheduler):
        self.helpers, self.conn, self.placement = helpers, conn, placement
        self.flavors = Flavors(helpers)
        self.cache_seconds = scheduler['cache_seconds']
        self.providers = {h.name: h.id for h in conn.compute.hypervisors()}
        self._aggregates = []

    def marks(self, host):
        traits, _ = self.placement.read(self.providers[host])
        return traits & set(marks.OWNED_TRAITS)

    def scheduler_sees_marks(self):
        """The filter reuses what it read for cache_seconds."""
        time.sleep(self.cache_seconds + 1)

    def zone(self, *hosts, metadata=None):
        """An availability zone (a host aggregate) of ``hosts``."""
        name = self.helpers.name(f'az{len(self._aggregates)}')
        aggregate = self.conn.compute.create_aggregate(
            name=name, availability_zone=name)
        self._aggregates.append(aggregate)
        for host in hosts:
            self.conn.compute.add_host_to_aggregate(aggregate, host)
        if metadata:
            self.conn.compute.set_aggregate_metadata(aggregate, **metadata)
        return name

    def aggregate(self, hosts, metadata):
        """A plain aggregate (no zone) carrying ``metadata``."""
        aggregate = self.conn.compute.create_aggregate(
            name=self.helpers.name(f'agg{len(self._aggregates)}'))
        self._aggregates.append(aggregate)
        for host in hosts:
            self.conn.compute.add_host_to_aggregate(aggregate, host)
        self.conn.compute.set_aggregate_metadata(aggregate, **metadata)

    def cleanup(self):
        for aggregate in reversed(self._aggregates):
            aggregate = self.conn.compute.get_aggregate(aggregate)
            for host in aggregate.hosts or []:
                self.conn.compute.remove_host_from_aggregate(aggregate, host)
            self.conn.compute.delete_aggregate(aggregate)

    def make_hot(self, host, vcpus=HOT_VCPUS, count=2):
        for i in range(count):
            self.helpers.boot_server(self.flavors(vcpus), host=host,
                                     name=self.helpers.name(f'hot{i}-{host}'))

    def boot(self, zone, host=None, group=None, vcpus=1, wait=True):
        """A server into ``zone``; Nova's scheduler picks the host unless
        ``host`` is given."""
        attrs = dict(name=self.helpers.name('boot'),
                     flavor_id=self.flavors(vcpus).id,
                     image_id=self.helpers.image_id(), networks='none',
                     availability_zone=zone)
        if host:
            attrs['host'] = host
        if group is not None:
            attrs['scheduler_hints'] = {'group': group.id}
        server = self.conn.compute.create_server(**attrs)
        self.helpers.track(server)
        return self.helpers.wait_active(server) if wait else server

    def anti_affinity_pair(self, zone):
        """Two servers that may not share a host, into ``zone``."""
        group = self.conn.compute.create_server_group(
            name=self.helpers.name('pair'), policy='anti-affinity')
        self.helpers.track(group=group)
        return [self.boot(zone, group=group) for _ in range(2)]

    def host(self, server):
        return self.helpers.server_host(server)

    def live_migrate_anywhere(self, server):
        """Live-migrate without a target host: Nova's scheduler picks.
        Returns the host the server is on afterwards."""
        before = self.host(server)
        self.conn.compute.live_migrate_server(server, host=None,
                                              block_migration='auto')

        def settled():
            current = self.conn.compute.get_server(server.id)
            migrations = list(self.conn.compute.migrations(
                server_id=server.id, migration_type='live-migration'))
            done = migrations and all(m.status in ('completed', 'error',
                                                   'failed')
                                      for m in migrations)
            if current.status == 'ACTIVE' and current.task_state is None \
                    and done:
                return current.compute_host
            return None
        after = cloud_helpers.wait_for(f'live migration of {server.id} '
                                       f'from {before}', settled)
        return after


@pytest.fixture
def sched(helpers, admin_conn, placement, scheduler):
    c = Scheduling(helpers, admin_conn, placement, scheduler)
    yield c
    helpers.cleanup()           # servers first: hosts leave zones empty
    c.cleanup()


def agent(tmp_path, helpers, **options):
    options.setdefault('strategy', 'cure')
    return make_agent(tmp_path, helpers.info, **options)


def test_marked_host_receives_no_boot_until_the_mark_is_gone(
        sched, computes, helpers, tmp_path):
    c1, c2 = computes[:2]
    zone = sched.zone(c1, c2)
    # c1 hot (820 of 1000 at 0.8). c2 fuller still by allocation (900)
    # but allowed 0.95: not hot, only near. By allocation alone Nova
    # prefers c1 (more free vCPUs, the same RAM and disk used), so
    # without the filter boots into the zone do land on c1.
    sched.aggregate([c2], {'hotspot_cpu_threshold': '0.95'})
    sched.make_hot(c1)
    sched.make_hot(c2, vcpus=450)

    # The agent marks c1 (dry run: it moves nothing, it still marks).
    report = agent(tmp_path, helpers, dry_run='true').run_once()
    assert [h.host for h in report.hotspots] == [c1]
    assert [o.result for o in report.outcomes] == ['dry-run']
    assert sched.marks(c1) == {CPU}
    assert sched.marks(c2) == {NEAR}
    sched.scheduler_sees_marks()

    # Of N servers booted into the zone, none lands on c1 (it has room).
    servers = [sched.boot(zone) for _ in range(4)]
    assert [sched.host(s) for s in servers] == [c2] * 4

    # The mark is what kept c1 out: with the agent told to publish
    # nothing, it removes its marks, and a pair that needs both hosts of
    # the zone takes c1.
    agent(tmp_path, helpers, dry_run='true',
          publish_traits='false').run_once()
    assert sched.marks(c1) == sched.marks(c2) == set()
    sched.scheduler_sees_marks()
    assert sorted(sched.host(s) for s in sched.anti_affinity_pair(zone)) \
        == [c1, c2]

    # Cured for real: the cycle marks c1 again (before it acts) and moves
    # a server off it; the next cycle finds it cool and removes the mark.
    cure = agent(tmp_path, helpers)
    report = cure.run_once()
    assert sched.marks(c1) == {CPU}
    assert [(o.source, o.result) for o in report.outcomes] == [
        (c1, 'completed')]
    report = cure.run_once()
    assert report.hotspots == []
    assert sched.marks(c1) == set()
    sched.scheduler_sees_marks()
    # ... and c1 receives boots again.
    assert sorted(sched.host(s) for s in sched.anti_affinity_pair(zone)) \
        == [c1, c2]


def test_live_migration_chosen_by_nova_avoids_the_marked_host(
        sched, computes, helpers, tmp_path):
    c1, c2, c3 = computes[:3]
    zone = sched.zone(c1, c2, c3)
    # c1 hot (820 of 1000 at 0.8). c3 fuller still by allocation (900)
    # but allowed 0.95: not hot, only near. By allocation alone Nova
    # prefers c1 (more free vCPUs, the same RAM and disk used).
    sched.aggregate([c3], {'hotspot_cpu_threshold': '0.95'})
    sched.make_hot(c1)
    sched.make_hot(c3, vcpus=450)
    first = sched.boot(zone, host=c2)
    second = sched.boot(zone, host=c2)

    agent(tmp_path, helpers, dry_run='true').run_once()
    assert sched.marks(c1) == {CPU}
    assert sched.marks(c3) == {NEAR}
    sched.scheduler_sees_marks()
    assert sched.live_migrate_anywhere(first) == c3

    # Without the marks Nova's scheduler picks c1 for the same move.
    agent(tmp_path, helpers, dry_run='true',
          publish_traits='false').run_once()
    assert sched.marks(c1) == sched.marks(c3) == set()
    sched.scheduler_sees_marks()
    assert sched.live_migrate_anywhere(second) == c1


@contextlib.contextmanager
def scheduler_reading(scheduler, url):
    """nova-scheduler restarted with its hotspot plugins reading Placement
    at ``url``; restarted as it was afterwards."""
    cloud_helpers.minicloud('restart-scheduler',
                            '--hotspot-endpoint-override', url, timeout=300)
    try:
        yield
    finally:
        again = ['--hotspot-endpoint-override',
                 scheduler['endpoint_override']] \
            if scheduler.get('endpoint_override') else []
        cloud_helpers.minicloud('restart-scheduler', *again, timeout=300)


def test_placement_unreachable_from_the_filter_boots_still_succeed(
        sched, computes, helpers, tmp_path, scheduler):
    c1, c2 = computes[:2]
    zone = sched.zone(c1, c2)
    sched.make_hot(c1)
    agent(tmp_path, helpers, dry_run='true').run_once()
    assert sched.marks(c1) == {CPU}
    log = os.path.join(cloud_helpers.minicloud_status()['run_dir'], 'logs',
                       'nova-scheduler.log')
    # Nothing listens on port 9: the filter cannot reach Placement, while
    # nova-scheduler's own Placement calls (allocation candidates) work.
    with scheduler_reading(scheduler, 'http://127.0.0.1:9/'):
        offset = os.path.getsize(log)
        # Fail open: every host passes, the marked one too (the pair
        # needs both hosts of the zone), and more boots after it.
        pair = sched.anti_affinity_pair(zone)
        assert sorted(sched.host(s) for s in pair) == [c1, c2]
        time.sleep(sched.cache_seconds + 1)     # a new read, failing again
        more = [sched.boot(zone) for _ in range(2)]
        assert all(s.status == 'ACTIVE' for s in more)
        with open(log) as f:
            f.seek(offset)
            text = f.read()
    # One warning for the outage, whatever the number of requests.
    assert text.count('cannot read the hot hosts') == 1, text[-3000:]
    assert 'every host passes until it can be read again' in text
