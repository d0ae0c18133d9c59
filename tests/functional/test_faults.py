"""Faults on the real minicloud (issue 5): the Nova API failing during
collection, a migration failing, a target disabled between planning and
acting, a plan the validator refuses. Nothing of OpenStack is mocked:
faults are injected with a proxy in front of nova-api, by pausing a
nova-compute (SIGSTOP) or through the API.

Load is made with flavors on the minicloud's default hosts of 1000 vCPUs
at allocation ratio 1.0, threshold 0.8: a host is hot above 800 vCPUs.
"""

import json
import logging
import signal
import socket
import time
import urllib.request

import cloud_helpers
import faults
import pytest
from agent_helpers import Flavors
from agent_helpers import make_agent

from nova_hotspot.core import plan as plan_mod

pytestmark = pytest.mark.minicloud




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


# --- 4: a target disabled between planning and acting ---------------------

class BeforeActing:
    """Wraps the agent's real actuator: runs ``hook`` after the plan was
    made and validated, right before the actuator starts."""

    def __init__(self, actuator, hook):
        self.actuator, self.hook = actuator, hook
        self.name = actuator.name

    def execute(self, *args):
        self.hook()
        return self.actuator.execute(*args)


def compute_service(conn, host):
    [service] = list(conn.compute.services(host=host, binary='nova-compute'))
    return service


def test_target_disabled_between_plan_and_act_is_not_used(
        helpers, computes, tmp_path, admin_conn):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    _, master, _ = business(helpers, flavors, [c1], [500], 'dis')
    other = load(helpers, flavors, 400, c1)       # c1 hot, c2 the target
    agent = make_agent(tmp_path, helpers.info,
                       excluded_hosts=f'{c3},{c4},{c5}')
    service = compute_service(admin_conn, c2)
    agent.actuator = BeforeActing(agent.actuator, lambda: (
        admin_conn.compute.disable_service(service, disabled_reason=(
            'hotspot fault test')),
        time.sleep(0.5)))
    try:
        report = agent.run_once()
    finally:
        admin_conn.compute.enable_service(service)
    assert [(m.server, m.target) for m in report.plan.migrations] == [
        (master.id, c2)]
    [outcome] = report.outcomes
    assert outcome.result == 'skipped', outcome
    assert 'nova-compute is disabled now' in outcome.reason, outcome
    assert migrations_of(admin_conn, master) == []
    assert_whole(admin_conn, [master, other])
    assert where(admin_conn, master)[0] == c1


# --- 2: a migration fails (its target compute hangs) ----------------------

def test_failed_migration_reported_not_retried_others_go_on(
        helpers, computes, tmp_path, admin_conn):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    # Slaves fix the targets: m1 may only go to c2 (its slave is on c4),
    # m3 only to c4 (its slave is on c2); c5 is excluded.
    _, m1, s1 = business(helpers, flavors, [c1, c4], [500, 1], 'fail1')
    _, m3, s3 = business(helpers, flavors, [c3, c2], [500, 1], 'fail3')
    loads = [load(helpers, flavors, 400, c1), load(helpers, flavors, 400, c3)]
    agent = make_agent(tmp_path, helpers.info, excluded_hosts=c5,
                       max_concurrent_migrations=2, cooldown=600,
                       migration_timeout=150)
    # c2's nova-compute hangs: Nova's pre-check on it times out
    # (rpc_response_timeout, 60 s) and the migration ends in error.
    with faults.paused(f'nova-compute-{c2}'):
        report = agent.run_once()
    faults.wait_compute_up(admin_conn, c2)
    outcomes = {o.server: o for o in report.outcomes}
    assert outcomes[m1.id].target == c2
    # Nova's conductor gave up on the pre-check: refused, with the failed
    # event of the instance action.
    assert outcomes[m1.id].result == 'refused', outcomes[m1.id]
    assert 'Nova: conductor_live_migrate_instance' in \
        outcomes[m1.id].reason, outcomes[m1.id]
    assert (outcomes[m3.id].target, outcomes[m3.id].result) == (
        c4, 'completed')
    # m3's move went on while m1's hung (max_concurrent_migrations=2)
    assert outcomes[m3.id].finished < outcomes[m1.id].finished - 30
    assert [m.status for m in migrations_of(admin_conn, m1)] == ['error']
    assert where(admin_conn, m1) == (c1, 'ACTIVE')
    assert where(admin_conn, m3) == (c4, 'ACTIVE')

    # Not retried before its cooldown: c1 is still hot, m1 pinned.
    again = agent.run_once()
    assert [h.host for h in again.hotspots] == [c1]
    assert again.outcomes == []
    assert again.collection.pins[m1.id][0].startswith(
        f'cooldown: last attempt {outcomes[m1.id].result}')
    assert len(migrations_of(admin_conn, m1)) == 1
    assert_whole(admin_conn, [m1, m3, *s1, *s3, *loads],
                 [[m1, *s1], [m3, *s3]])


# --- 3: the agent killed with a migration in flight, then restarted -------

def test_agent_killed_mid_migration_restart_waits_for_it(
        helpers, computes, tmp_path, admin_conn):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    optout = {'hotspot_optout': 'true'}
    _, master, (slave,) = business(helpers, flavors, [c1, c3], [500, 500],
                                   'kill')
    loads = [helpers.boot_server(flavors(400), host=c1, metadata=optout,
                                 name=helpers.name('l1'))]
    # The only move: master c1 -> c2 (c3 holds its slave).
    config = faults.write_config(
        tmp_path / 'nova.conf', helpers.info, interval=2, strategy='cure',
        excluded_hosts=f'{c4},{c5}')
    try:
        text = _kill_and_restart(helpers, flavors, admin_conn, config,
                                 tmp_path, master, slave, loads, optout,
                                 c1, c2, c3)
    finally:
        # Never leave the cloud with a migration in flight: deleting a
        # server mid-migration leaks its Placement allocation.
        faults.resume(f'nova-compute-{c2}')
        cloud_helpers.wait_for(
            'no migration in flight',
            lambda: admin_conn.compute.get_server(master.id).task_state
            is None, timeout=120)
    faults.wait_compute_up(admin_conn, c2)
    assert 'Traceback' not in text, text
    assert [m.status for m in migrations_of(admin_conn, master)] == [
        'completed']
    assert migrations_of(admin_conn, slave) == []
    assert_whole(admin_conn, [master, slave, *loads], [[master, slave]])


def _kill_and_restart(helpers, flavors, admin_conn, config, tmp_path,
                      master, slave, loads, optout, c1, c2, c3):
    with faults.paused(f'nova-compute-{c2}'):
        # c2 hangs: the migration stays in flight in Nova (the conductor
        # waits for c2's pre-check) while the agent is killed.
        with faults.AgentProcess(config, tmp_path / 'first.log') as first:
            # SIGKILL as soon as Nova has the request (its pre-check on c2
            # keeps the request, and the migration, in flight)
            cloud_helpers.wait_for(
                'the migration to start',
                lambda: admin_conn.compute.get_server(
                    master.id).task_state == 'migrating', timeout=60)
            first.kill()
        assert faults.moved(master, c1, c2) in first.text()
        # Meanwhile c3 gets hot: the slave could move, to c2 (empty in
        # Nova's view) -- where its master is arriving.
        loads.append(helpers.boot_server(flavors(400), host=c3,
                                         metadata=optout,
                                         name=helpers.name('l3')))
        with faults.AgentProcess(config, tmp_path / 'second.log') as second:
            text = second.wait_for(
                lambda t: t.count(' API calls (') >= 2, timeout=60)
            assert 'migration(s) in flight in Nova' in text, text
            assert 'requested' not in text, text
            assert migrations_of(admin_conn, slave) == []
            assert len(migrations_of(admin_conn, master)) == 1
            # c2 is back: the migration ends; nothing new starts for the
            # group while it runs, nor (no room) after.
            faults.resume(f'nova-compute-{c2}')
            cloud_helpers.wait_for(
                'the master on c2',
                lambda: where(admin_conn, master) == (c2, 'ACTIVE')
                and admin_conn.compute.get_server(master.id).task_state
                is None, timeout=90)
            n = second.text().count(' API calls (')
            text = second.wait_for(
                lambda t: t.count(' API calls (') >= n + 2, timeout=60)
            second.kill(signal.SIGTERM)
    return text


# --- issue 11 item 3: state that survives a restart -----------------------

def test_agent_killed_and_restarted_keeps_cooldowns_and_history(
        helpers, computes, tmp_path, admin_conn):
    """kill -9 and restart the agent (``[hotspot] state_path``): the
    server it moved does not move again within its cooldown, and the k-of-n
    hot history is kept (a host hot once before the kill is acted on --
    were it not pinned -- at the first cycle after)."""
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    optout = {'hotspot_optout': 'true'}
    _, master, (slave,) = business(helpers, flavors, [c1, c3], [500, 1],
                                   'state')
    loads = [helpers.boot_server(flavors(400), host=c1, metadata=optout,
                                 name=helpers.name('s1'))]
    state = tmp_path / 'state' / 'agent.json'
    # The only move off c1: the master to c2 (c3 holds its slave, c5 is
    # excluded, c4 is a target only later, when c2 gets hot).
    config = faults.write_config(
        tmp_path / 'nova.conf', helpers.info, interval=2, strategy='cure',
        excluded_hosts=f'{c4},{c5}', hot_samples_required=2,
        hot_samples_window=3, cooldown=3600, state_path=state)
    with faults.AgentProcess(config, tmp_path / 'first.log') as first:
        first.wait_for(faults.moved(master, c1, c2, 'completed'),
                       timeout=120)
        assert where(admin_conn, master) == (c2, 'ACTIVE')
        # c2 gets hot (the master and 400 more); one cycle sees it
        loads.append(helpers.boot_server(flavors(400), host=c2,
                                         metadata=optout,
                                         name=helpers.name('s2')))
        first.wait_for(f'hot now: {c2}; hot in 2 of the last 3 cycles: '
                       f'none', timeout=60)
        first.kill()                 # SIGKILL
    assert json.loads(state.read_text())['cooldowns'][master.id][1] == \
        'completed'
    # A target for the master now, were it not cooling down.
    config.write_text(config.read_text().replace(
        f'excluded_hosts = {c4},{c5}', f'excluded_hosts = {c5}'))
    with faults.AgentProcess(config, tmp_path / 'second.log') as second:
        text = second.wait_for(
            lambda t: t.count(' API calls (') >= 3, timeout=60)
        second.kill(signal.SIGTERM)
    assert 'state: restored from file' in text, text
    assert '1 server(s) cooling down' in text, text
    # the history was kept: c2, hot once before the kill, is hot in 2 of
    # the last 3 samples at the first cycle after it
    assert f'cycle 1: hot now: {c2}; hot in 2 of the last 3 cycles: {c2}' \
        in text, text
    assert 'requested' not in text, text
    assert 'Traceback' not in text, text
    assert len(migrations_of(admin_conn, master)) == 1
    assert where(admin_conn, master) == (c2, 'ACTIVE')
    assert_whole(admin_conn, [master, slave, *loads], [[master, slave]])


# --- issue 11 item 1: a failing target is quarantined ---------------------

def test_failing_target_is_quarantined_nothing_more_sent_there(
        helpers, computes, tmp_path, admin_conn):
    """The target's nova-compute hangs (SIGSTOP: Nova's pre-check on it
    times out after rpc_response_timeout) right when the agent sends the
    first of two moves to it: the second is not sent there in the same
    cycle, nor in the next one, which says why the host is no target."""
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    # m1 (c1) and m3 (c3) may both only go to c2: their slaves are on c4,
    # c5 is excluded, and c1 and c3 are both hot.
    optout = {'hotspot_optout': 'true'}
    _, m1, s1 = business(helpers, flavors, [c1, c4], [300, 1], 'q1')
    _, m3, s3 = business(helpers, flavors, [c3, c4], [300, 1], 'q3')
    loads = [helpers.boot_server(flavors(600), host=host, metadata=optout,
                                 name=helpers.name(f'q-{host}'))
             for host in (c1, c3)]
    agent = make_agent(tmp_path, helpers.info, excluded_hosts=c5,
                       strategy='cure', max_concurrent_migrations=1,
                       max_migrations_per_host=1, cooldown=600,
                       migration_timeout=150, target_quarantine=600)
    with faults.paused(f'nova-compute-{c2}'):
        report = agent.run_once()
    faults.wait_compute_up(admin_conn, c2)
    assert sorted((m.server, m.target) for m in report.plan.migrations) == \
        sorted([(m1.id, c2), (m3.id, c2)])
    first, second = report.outcomes
    assert first.result == 'refused', first
    assert (second.result, second.target) == ('skipped', c2), second
    assert second.reason.startswith(
        f'target {c2} quarantined: migration of {first.server} to it '
        f'refused, '), second
    assert report.quarantined == [c2]
    assert agent.metrics.value(
        'nova_hotspot_targets_quarantined_total') == 1
    assert migrations_of(admin_conn, admin_conn.compute.get_server(
        second.server)) == []

    # the next cycle: c2 is up again but still quarantined
    again = agent.run_once()
    assert not again.collection.hosts[c2].target
    assert again.collection.hosts[c2].why_not_target.startswith(
        f'quarantined: migration of {first.server} to it refused, ')
    assert all(m.target != c2 for m in again.plan.migrations)
    assert again.quarantined == []
    assert migrations_of(admin_conn, admin_conn.compute.get_server(
        second.server)) == []
    assert_whole(admin_conn, [m1, m3, *s1, *s3, *loads],
                 [[m1, *s1], [m3, *s3]])
