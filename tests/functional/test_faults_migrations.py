"""Migrations that outlive ``migration_timeout`` on the real minicloud
(issue 11 item 2): the agent asks Nova to abort them and follows the
result; one Nova does not end is *stuck*, reported, and no longer blocks
unrelated cures.

The minicloud's load driver makes a server's live migration last
``migration_seconds`` (in Nova's status ``running``) and, with
``ignore_abort``, lets Nova's abort do nothing (helpers.set_load). Hosts
of 1000 vCPUs at allocation ratio 1.0, threshold 0.8: hot above 800.
"""

import logging

import cloud_helpers
import faults
import pytest
from agent_helpers import Flavors
from agent_helpers import make_agent
from test_faults import assert_whole
from test_faults import business
from test_faults import migrations_of
from test_faults import where

pytestmark = pytest.mark.minicloud

OPTOUT = {'hotspot_optout': 'true'}
TIMEOUT = 8       # [hotspot] migration_timeout of these tests (seconds)


def hot_host(helpers, flavors, host, name, slave_host=None):
    """``host`` hot (500 + 400 vCPUs); only the 500-vCPU master may move
    (its slave, if any, on ``slave_host``)."""
    hosts = [host] + ([slave_host] if slave_host else [])
    cpus = [500] + ([1] if slave_host else [])
    _, master, slaves = business(helpers, flavors, hosts, cpus, name)
    other = helpers.boot_server(flavors(400), host=host, metadata=OPTOUT,
                                name=helpers.name(f'{name}-load'))
    return master, [*slaves, other]


def no_task(conn, server):
    return conn.compute.get_server(server.id).task_state is None


def errors_of(caplog):
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.ERROR]


def test_a_timed_out_migration_is_aborted_the_server_active_on_its_source(
        helpers, computes, tmp_path, admin_conn, caplog):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    master, others = hot_host(helpers, flavors, c1, 'abort')
    helpers.set_load(master, migration_seconds=300)
    agent = make_agent(tmp_path, helpers.info,
                       excluded_hosts=f'{c3},{c4},{c5}',
                       migration_timeout=TIMEOUT, cooldown=600)
    caplog.set_level(logging.INFO)
    report = agent.run_once()
    [outcome] = report.outcomes
    assert (outcome.server, outcome.target) == (master.id, c2)
    assert outcome.result == 'timeout', outcome
    assert outcome.reason == (f'not finished after {TIMEOUT}s; aborted, '
                              f'server ACTIVE on {c1}'), outcome
    assert [m.status for m in migrations_of(admin_conn, master)] == [
        'cancelled']
    assert where(admin_conn, master) == (c1, 'ACTIVE')
    assert no_task(admin_conn, master)
    assert report.quarantined == [c2]
    assert errors_of(caplog) == []
    assert_whole(admin_conn, [master, *others])


def test_an_abort_nova_refuses_is_reported_with_novas_reason(
        helpers, computes, tmp_path, admin_conn):
    """The target's nova-compute hangs (SIGSTOP): Nova's conductor waits
    for its pre-check and the migration stays ``accepted``, which Nova
    does not abort."""
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    master, others = hot_host(helpers, flavors, c1, 'refuse')
    agent = make_agent(tmp_path, helpers.info,
                       excluded_hosts=f'{c3},{c4},{c5}',
                       migration_timeout=TIMEOUT, cooldown=600)
    try:
        with faults.paused(f'nova-compute-{c2}'):
            report = agent.run_once()
        [outcome] = report.outcomes
        assert outcome.result == 'timeout', outcome
        [record] = migrations_of(admin_conn, master)
        assert outcome.reason.startswith(
            f'not finished after {TIMEOUT}s; not aborted: migration '
            f'{record.id}: HTTP 400: '), outcome
        assert 'accepted' in outcome.reason, outcome
        assert report.quarantined == [c2]
    finally:
        # c2 answers again: Nova carries the migration out (deleting a
        # server mid-migration would leak its Placement allocation).
        cloud_helpers.wait_for('the migration to end',
                               lambda: no_task(admin_conn, master),
                               timeout=120)
    faults.wait_compute_up(admin_conn, c2)
    assert_whole(admin_conn, [master, *others])


def test_a_migration_nova_never_ends_is_stuck_and_blocks_no_other_cure(
        helpers, computes, tmp_path, admin_conn, caplog):
    c1, c2, c3, c4, c5 = computes
    flavors = Flavors(helpers)
    # m1 may only go to c2 (its slave is on c4), m3 only to c4 (its
    # slave is on c2); c5 is excluded.
    m1, others1 = hot_host(helpers, flavors, c1, 'stuck1', slave_host=c4)
    helpers.set_load(m1, migration_seconds=3600, ignore_abort=True)
    agent = make_agent(tmp_path, helpers.info, excluded_hosts=c5,
                       migration_timeout=TIMEOUT, stuck_migration_grace=0,
                       max_concurrent_migrations=1,
                       max_migrations_per_host=1, cooldown=600)
    caplog.set_level(logging.INFO)
    try:
        first = agent.run_once()
        [outcome] = first.outcomes
        assert (outcome.server, outcome.result) == (m1.id, 'timeout')
        assert outcome.reason == (
            f'not finished after {TIMEOUT}s; abort requested, still in '
            f'flight after {TIMEOUT}s'), outcome
        assert admin_conn.compute.get_server(m1.id).status == 'MIGRATING'

        # c3 gets hot: cured within two cycles, while m1's migration
        # stays in flight (it would hold max_concurrent_migrations = 1).
        m3, others3 = hot_host(helpers, flavors, c3, 'stuck3',
                               slave_host=c2)
        caplog.clear()
        cycles = [agent.run_once()]
        if where(admin_conn, m3)[0] != c4:
            cycles.append(agent.run_once())
        assert where(admin_conn, m3) == (c4, 'ACTIVE'), [
            c.outcomes for c in cycles]
        # what Nova left behind is reported, never hidden: one ERROR per
        # cycle naming server, hosts and age, and the gauge
        stuck = [e for e in errors_of(caplog)
                 if f'migration of {faults.label(m1)} from {c1} to {c2} '
                    f'stuck: in flight for ' in e]
        assert len(stuck) == len(cycles), errors_of(caplog)
        assert errors_of(caplog) == stuck
        assert agent.metrics.value('nova_hotspot_migrations_stuck') == 1
        assert list(cycles[-1].collection.stuck) == [m1.id]
        assert admin_conn.compute.get_server(m1.id).status == 'MIGRATING'
        assert len(migrations_of(admin_conn, m1)) == 1
    finally:
        # let the fake hypervisor end it (onto c2)
        helpers.set_load(m1)
        cloud_helpers.wait_for('the stuck migration to end',
                               lambda: no_task(admin_conn, m1), timeout=60)
    assert_whole(admin_conn, [m1, m3, *others1, *others3])
