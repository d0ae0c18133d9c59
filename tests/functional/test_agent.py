"""The agent on the minicloud: real Keystone, Nova, Placement; nothing of
OpenStack is mocked.

Load is made with flavors (usage by use is in test_usage.py): every host
of the minicloud has 1000 VCPU at allocation ratio 1.0, so a flavor of
500 vCPUs is the paper's "50" x10.
The default usage source (placement) takes each server's allocation.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from agent_helpers import RAM
from agent_helpers import Flavors
from agent_helpers import make_agent
from agent_helpers import write_config

pytestmark = pytest.mark.minicloud


def boot(helpers, flavors, vcpus, host, disk=1):
    return helpers.boot_server(flavors(vcpus, disk), host=host,
                               name=helpers.name(f'load{vcpus}-{host}'))


def group(helpers, flavors, hosts, cpus, name):
    """An anti-affinity business: master on hosts[0] with cpus[0], slaves
    on the other hosts."""
    g, master, slaves = helpers.create_anti_affinity_group(
        flavors(cpus[0]), [flavors(c) for c in cpus[1:]], hosts=hosts,
        name=helpers.name(name))
    return g, master, slaves


def host_of(conn, server):
    current = conn.compute.get_server(server.id)
    return current.compute_host, current.status


def live_migrations(conn, server):
    return sorted(conn.compute.migrations(server_id=server.id,
                                          migration_type='live-migration'),
                  key=lambda m: m.created_at)


# --- figure 2 -------------------------------------------------------------

def figure2(helpers, computes):
    """The paper's figure 2 on five computes (CPU x10 of 1000 vCPUs)."""
    sv1, sv2, sv3, sv4, sv5 = computes
    flavors = Flavors(helpers)
    # business 1: M1 (50) on SV1, slaves S11 (20) on SV2, S12 (15) on SV4
    _, m1, _ = group(helpers, flavors, [sv1, sv2, sv4], [500, 200, 150],
                     'b1')
    # business 2: M2 (40) on SV2, slaves S21 (20) on SV1, S22 (10) on SV3
    group(helpers, flavors, [sv2, sv1, sv3], [400, 200, 100], 'b2')
    # business 3: M3 (45) on SV3, slaves S31 (20) on SV1, S32 (10) on SV4
    group(helpers, flavors, [sv3, sv1, sv4], [450, 200, 100], 'b3')
    boot(helpers, flavors, 150, sv5)          # V51 (15), no business
    return m1


def test_figure2_dry_run_then_one_cycle_cures(helpers, computes, tmp_path,
                                             admin_conn, caplog):
    m1 = figure2(helpers, computes)
    sv1, sv5 = computes[0], computes[4]

    # Dry run: the plan is made and logged, nothing moves.
    caplog.set_level('INFO')
    dry = make_agent(tmp_path, helpers.info, dry_run='true',
                     strategy='paper').run_once()
    assert [h.host for h in dry.hotspots] == [sv1]
    assert [(m.server, m.source, m.target) for m in dry.plan.migrations] \
        == [(m1.id, sv1, sv5)]
    assert [o.result for o in dry.outcomes] == ['dry-run']
    # The plan's table names the server by name and id (issue 14).
    assert f'1. {m1.name} ({m1.id[:8]}): {sv1} -> {sv5}, copies' in \
        caplog.text
    assert host_of(admin_conn, m1) == (sv1, 'ACTIVE')
    assert live_migrations(admin_conn, m1) == []

    # One real cycle: M1 goes to SV5's host, and then no host is hot.
    agent = make_agent(tmp_path, helpers.info, strategy='paper')
    report = agent.run_once()
    assert report.violations == []
    assert [(o.server, o.target, o.result) for o in report.outcomes] == [
        (m1.id, sv5, 'completed')]
    assert host_of(admin_conn, m1) == (sv5, 'ACTIVE')
    assert [m.status for m in live_migrations(admin_conn, m1)] == [
        'completed']
    # Collecting costs a constant number of calls plus one Placement
    # inventory read per host, none per server: token, discovery,
    # hypervisors, 5 inventories, servers, groups, aggregates.
    calls = sum(report.collection.api_calls.values())
    assert len(computes) <= calls <= len(computes) + 9, \
        report.collection.api_calls
    after = agent.run_once()
    assert after.hotspots == [] and after.outcomes == []
    assert after.error is None


# --- anti-affinity --------------------------------------------------------

def test_never_a_target_holding_a_member_of_the_group(helpers, computes,
                                                      tmp_path, admin_conn):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    # c1 hot: master (500) + other load (400) = 900 > 800. Its slave is
    # on c2, as empty as c3: without the group rule c2 would win the tie.
    _, master, (slave,) = group(helpers, flavors, [c1, c2], [500, 1],
                                'aa')
    boot(helpers, flavors, 400, c1)
    report = make_agent(tmp_path, helpers.info,
                        excluded_hosts=f'{c4},{c5}').run_once()
    assert [(o.server, o.target, o.result) for o in report.outcomes] == [
        (master.id, c3, 'completed')]
    assert host_of(admin_conn, master) == (c3, 'ACTIVE')
    assert host_of(admin_conn, slave) == (c2, 'ACTIVE')


# --- refusal and cooldown -------------------------------------------------

def test_refused_migration_recorded_not_retried_within_cooldown(
        helpers, computes, tmp_path, admin_conn):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    # The agent judges CPU and memory; Nova also checks disk. c2 has CPU
    # room for the master (which has 20 GB of disk) but its disk
    # (600000 GB) is nearly all taken.
    big = helpers.create_flavor(500, RAM, disk_gb=20,
                                name=helpers.name('f500c-20g'))
    _, master, _ = helpers.create_anti_affinity_group(
        big, [], hosts=[c1], name=helpers.name('refuse'))
    boot(helpers, flavors, 400, c1)
    boot(helpers, flavors, 1, c2, disk=599990)
    agent = make_agent(tmp_path, helpers.info, cooldown=600,
                       excluded_hosts=f'{c3},{c4},{c5}')
    report = agent.run_once()
    [outcome] = report.outcomes
    assert (outcome.server, outcome.target, outcome.result) == (
        master.id, c2, 'refused')
    assert 'No valid host' in outcome.reason
    assert host_of(admin_conn, master) == (c1, 'ACTIVE')
    refused = live_migrations(admin_conn, master)
    assert len(refused) == 1 and refused[0].status == 'error'

    again = agent.run_once()
    assert again.hotspots and again.outcomes == []
    assert again.collection.pins[master.id][0].startswith(
        'cooldown: last attempt refused')
    assert len(live_migrations(admin_conn, master)) == 1


# --- limits ---------------------------------------------------------------

def test_one_at_a_time_migrations_never_overlap(helpers, computes, tmp_path,
                                                admin_conn):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    masters = []
    for host in (c1, c2, c3):          # three hot hosts: 300 + 600 = 900
        _, master, _ = group(helpers, flavors, [host], [300],
                             f'lim-{host}')
        boot(helpers, flavors, 600, host)
        masters.append(master)
    report = make_agent(tmp_path, helpers.info,
                        max_concurrent_migrations=1,
                        max_migrations_per_cycle=5).run_once()
    assert sorted(o.result for o in report.outcomes) == ['completed'] * 3
    assert {o.target for o in report.outcomes} <= {c4, c5}
    # the migrations API's own timestamps: each starts after the last ends
    records = sorted((live_migrations(admin_conn, m)[-1] for m in masters),
                     key=lambda r: r.created_at)
    assert [r.status for r in records] == ['completed'] * 3
    for before, after in zip(records, records[1:]):
        assert after.created_at >= before.updated_at
    spans = sorted((o.started, o.finished) for o in report.outcomes)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end


# --- the agent as a process -----------------------------------------------

def test_agent_process_cycles_and_sigterm(helpers, computes, tmp_path,
                                          admin_conn):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    _, master, _ = group(helpers, flavors, [c1], [500], 'proc')
    boot(helpers, flavors, 400, c1)
    config = write_config(tmp_path / 'nova.conf', helpers.info,
                          interval=2, excluded_hosts=f'{c3},{c4},{c5}',
                          migration_poll_interval=0.5)
    log = tmp_path / 'agent.log'
    agent_bin = os.path.join(os.path.dirname(sys.executable),
                             'nova-hotspot-agent')
    with open(log, 'w') as out:
        proc = subprocess.Popen([agent_bin, '--config-file', str(config)],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while 'requested' not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        # SIGTERM while the migration is in flight: it is followed to
        # its end, then the agent exits 0.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=90) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    # The log names the server by name and id (issue 14).
    assert f'{master.name} ({master.id[:8]}) {c1} -> {c2}: completed' in \
        text, text
    assert 'stopped after' in text
    assert 'Traceback' not in text
    assert host_of(admin_conn, master) == (c2, 'ACTIVE')
    cycles = [line for line in text.splitlines() if 'API calls (' in line]
    assert len(cycles) >= 1, text
    # no host left hot
    after = make_agent(tmp_path, helpers.info, dry_run='true').run_once()
    assert after.hotspots == []
