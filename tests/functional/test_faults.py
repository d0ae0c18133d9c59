"""Faults on the real minicloud (issue 5): the Nova API failing during
collection, a migration failing, a target disabled between planning and
acting, a plan the validator refuses. Nothing of OpenStack is mocked:
faults are injected with a proxy in front of nova-api, by pausing a
nova-compute (SIGSTOP) or through the API.

Load is made with flavors on fake.FakeDriver hosts of 1000 vCPUs at
allocation ratio 1.0, threshold 0.8: a host is hot above 800 vCPUs.
"""

import logging
import socket
import urllib.request

import faults
import pytest
from agent_helpers import make_agent

from nova_hotspot.core import plan as plan_mod

pytestmark = pytest.mark.minicloud

RAM = 512


@pytest.fixture
def computes(minicloud):
    hosts = list(minicloud.compute_hosts)
    if len(hosts) < 5 or any(minicloud.drivers.get(h) != 'fake.FakeDriver'
                             for h in hosts[:5]):
        pytest.skip('needs five fake.FakeDriver computes')
    return hosts[:5]


class Flavors:
    def __init__(self, helpers):
        self.helpers = helpers
        self.made = {}

    def __call__(self, vcpus):
        if vcpus not in self.made:
            self.made[vcpus] = self.helpers.create_flavor(
                vcpus, RAM, name=self.helpers.name(f'f{vcpus}c'))
        return self.made[vcpus]


def business(helpers, flavors, hosts, cpus, name):
    """Anti-affinity group: master (cpus[0]) on hosts[0], slaves after."""
    return helpers.create_anti_affinity_group(
        flavors(cpus[0]), [flavors(c) for c in cpus[1:]], hosts=hosts,
        name=helpers.name(name))


def load(helpers, flavors, vcpus, host):
    return helpers.boot_server(flavors(vcpus), host=host,
                               name=helpers.name(f'load{vcpus}-{host}'))


def migrations_of(conn, server):
    return sorted(conn.compute.migrations(server_id=server.id,
                                          migration_type='live-migration'),
                  key=lambda m: m.created_at)


def where(conn, server):
    current = conn.compute.get_server(server.id)
    return current.compute_host, current.status


def assert_whole(conn, servers, groups=()):
    """Every server ACTIVE, none lost, no two members of a group on one
    host."""
    hosts = {}
    for server in servers:
        host, status = where(conn, server)
        assert status == 'ACTIVE', (server.id, status)
        hosts[server.id] = host
    for members in groups:
        placed = [hosts[m.id] for m in members]
        assert len(set(placed)) == len(placed), placed


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


# --- 10: every plan goes through the validator; refusals are counted ------

class AntiAffinityBreaker:
    """A test-only strategy: moves the first master onto a host holding a
    member of its own group (an invalid plan the validator must refuse)."""

    name = 'breaker'

    def plan(self, cluster, sources=None):
        for server in cluster.servers:
            if server.role is None or server.role.name != 'MASTER':
                continue
            for other in cluster.servers:
                if other.group == server.group and other.id != server.id:
                    return plan_mod.Plan(self.name, (plan_mod.Migration(
                        server.id, server.host, other.host,
                        'breaks anti-affinity on purpose'),))
        return plan_mod.Plan(self.name)


def test_rejected_plan_moves_nothing_and_is_counted(helpers, computes,
                                                    tmp_path, admin_conn,
                                                    caplog):
    c1, c2 = computes[:2]
    flavors = Flavors(helpers)
    _, master, (slave,) = business(helpers, flavors, [c1, c2], [500, 1],
                                   'rej')
    load(helpers, flavors, 400, c1)           # c1 hot: 900 > 800
    agent = make_agent(tmp_path, helpers.info)
    agent.strategy = AntiAffinityBreaker()
    port = free_port()
    agent.metrics.serve(port)
    caplog.set_level(logging.INFO)

    report = agent.run_once()
    assert [(m.server, m.target) for m in report.plan.migrations] == [
        (master.id, c2)]
    assert any('anti-affinity' in str(v) for v in report.violations)
    assert report.outcomes == []
    refused = [r for r in caplog.records if 'refused by the validator'
               in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.ERROR
    assert agent.metrics.value('nova_hotspot_plans_rejected_total') == 1
    report = agent.run_once()
    assert report.violations
    scraped = urllib.request.urlopen(
        f'http://127.0.0.1:{port}/metrics', timeout=5).read().decode()
    assert 'nova_hotspot_plans_rejected_total 2.0' in scraped
    assert 'nova_hotspot_cycles_total{result="ok"} 2.0' in scraped
    assert 'nova_hotspot_hot_hosts 1.0' in scraped
    # nothing moved: no migration of the master, the group intact
    assert migrations_of(admin_conn, master) == []
    assert where(admin_conn, master) == (c1, 'ACTIVE')
    assert_whole(admin_conn, [master, slave], [[master, slave]])


# --- 1: Nova API failing during collection --------------------------------

def test_nova_api_failing_skips_the_cycle_then_recovers(
        helpers, computes, tmp_path, admin_conn, caplog):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    _, master, _ = business(helpers, flavors, [c1], [500], 'api')
    load(helpers, flavors, 400, c1)           # c1 hot
    caplog.set_level(logging.INFO)
    with faults.FaultProxy(faults.compute_endpoint(admin_conn)
                           .rsplit('/v2.1', 1)[0]) as proxy:
        agent = faults.proxied_agent(
            tmp_path, helpers.info, proxy.url + '/v2.1', timeout=2,
            excluded_hosts=f'{c3},{c4},{c5}')

        # 500 on the server listing only: the hypervisors were read, the
        # rest was not; no plan from that half.
        def servers_fail(method, path):
            return faults.ERROR if path.startswith('/v2.1/servers') \
                else faults.PASS

        slow = ('slow', 4)           # longer than the 2 s API timeout
        rules = [
            ('500 on GET /servers', servers_fail),
            ('dropped connections', lambda m, p: faults.DROP),
            ('slow answers', lambda m, p: slow),
            ('500 on everything', lambda m, p: faults.ERROR),
        ]
        for what, rule in rules:
            proxy.rule = rule
            caplog.clear()
            report = agent.run_once()
            assert report.error, what
            assert report.plan is None and report.outcomes == [], what
            errors = [r.getMessage() for r in caplog.records
                      if r.levelno >= logging.ERROR]
            assert len(errors) == 1, (what, errors)
            assert errors[0].startswith(f'cycle {report.number} failed: '), \
                errors
            assert 'Traceback' not in caplog.text
        assert ('GET', '/v2.1/os-hypervisors/detail', faults.PASS) in \
            proxy.seen
        assert migrations_of(admin_conn, master) == []
        assert agent.metrics.value('nova_hotspot_cycles_total',
                                   result='failed') == len(rules)

        # The API is back: the next cycle collects, plans and cures.
        proxy.rule = lambda m, p: faults.PASS
        report = agent.run_once()
        assert report.error is None
        assert [(o.server, o.target, o.result) for o in report.outcomes] \
            == [(master.id, c2, 'completed')]
    assert where(admin_conn, master) == (c2, 'ACTIVE')
    assert [m.status for m in migrations_of(admin_conn, master)] == [
        'completed']
