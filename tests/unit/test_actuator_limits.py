"""The actuators' safety rules: gate, cooldowns, re-check, and the loop
that runs planned migrations under them."""

import threading
import time

import pytest

from nova_hotspot.actuators import base
from nova_hotspot.actuators import limits
from nova_hotspot.actuators import log as log_actuator
from nova_hotspot.actuators import recheck
from nova_hotspot.cloud import records
from nova_hotspot.collect import build
from nova_hotspot.core import model
from nova_hotspot.core import plan as plan_mod


def mig(server, source, target='t'):
    return plan_mod.Migration(server, source, target)


# --- Gate -----------------------------------------------------------------

def test_gate_global_limit():
    gate = limits.Gate(limits.Limits(max_concurrent=2, max_per_host=5), {})
    chosen = gate.startable([mig('a', 'h1'), mig('b', 'h2'), mig('c', 'h3')])
    assert [m.server for m in chosen] == ['a', 'b']
    assert 'limit 2' in gate.blocked(mig('c', 'h3'))
    gate.finish(chosen[0])
    assert gate.blocked(mig('c', 'h3')) is None


def test_gate_per_source_host_limit_lets_others_pass():
    gate = limits.Gate(limits.Limits(max_concurrent=5, max_per_host=1), {})
    chosen = gate.startable([mig('a', 'h1'), mig('b', 'h1'), mig('c', 'h2')])
    assert [m.server for m in chosen] == ['a', 'c']
    assert 'off h1' in gate.blocked(mig('b', 'h1'))


def test_gate_never_two_of_one_group():
    groups = {'m1': 'g', 's1': 'g', 'x': 'other', 'y': None}
    gate = limits.Gate(limits.Limits(max_concurrent=5, max_per_host=5),
                       groups)
    chosen = gate.startable([mig('m1', 'h1'), mig('s1', 'h2'),
                             mig('x', 'h3'), mig('y', 'h4')])
    assert [m.server for m in chosen] == ['m1', 'x', 'y']
    assert 'same group g' in gate.blocked(mig('s1', 'h2'))


# (limits, in flight, the plan's pending moves, servers started now)
GATE_CASES = {
    'no limit onto one target of its own: only the global one': (
        dict(max_concurrent=5, max_per_host=5),
        [], [mig('a', 'h1', 't'), mig('b', 'h2', 't'), mig('c', 'h3', 't')],
        ['a', 'b', 'c']),
    'max_per_target 1: one at a time onto t, others pass': (
        dict(max_concurrent=5, max_per_host=5, max_per_target=1),
        [], [mig('a', 'h1', 't'), mig('b', 'h2', 't'), mig('c', 'h3', 'u')],
        ['a', 'c']),
    'max_per_target counts what is in flight already': (
        dict(max_concurrent=5, max_per_host=5, max_per_target=2),
        [mig('x', 'h9', 't')],
        [mig('a', 'h1', 't'), mig('b', 'h2', 't')], ['a']),
    'a move onto a host an earlier move leaves waits for it': (
        dict(max_concurrent=5, max_per_host=1),
        [mig('x', 'h1', 'h2')],
        [mig('a', 'h1', 'h3'), mig('b', 'h4', 'h1'), mig('c', 'h5', 'h6')],
        ['c']),
    'it waits while that move is in flight': (
        dict(max_concurrent=5, max_per_host=5),
        [mig('x', 'h1', 'h2')], [mig('b', 'h4', 'h1')], []),
    'a later move off the target is no reason to wait': (
        dict(max_concurrent=5, max_per_host=5),
        [], [mig('b', 'h4', 'h1'), mig('a', 'h1', 'h3')], ['b', 'a']),
}


@pytest.mark.parametrize('name', GATE_CASES)
def test_gate_limits_and_plan_order(name):
    lims, in_flight, pending, started = GATE_CASES[name]
    gate = limits.Gate(limits.Limits(**lims), {})
    for migration in in_flight:
        gate.start(migration)
    assert [m.server for m in gate.startable(pending)] == started


def test_gate_says_why_a_move_waits():
    gate = limits.Gate(limits.Limits(max_concurrent=5, max_per_host=5,
                                     max_per_target=1), {})
    gate.start(mig('x', 'h1', 't'))
    assert gate.blocked(mig('a', 'h2', 't')) == (
        '1 migration(s) to t in flight, limit 1')
    assert gate.blocked(mig('b', 'h3', 'h1')) == (
        'a move off h1 before it in the plan has not finished (it makes '
        'the room)')


# --- Cooldowns ------------------------------------------------------------

def test_cooldowns():
    cd = limits.Cooldowns(60)
    cd.record('a', now=100.0, result='refused')
    assert cd.remaining('a', 150.0) == pytest.approx(10.0)
    assert cd.remaining('a', 160.0) == 0.0
    assert cd.remaining('b', 150.0) == 0.0
    pins = cd.pins(150.0)
    assert list(pins) == ['a'] and 'refused' in pins['a']
    assert cd.pins(161.0) == {}


# --- recheck: the validator on a fresh cluster -----------------------------

def host(name, target=True, state='up', why=None):
    return (model.Host(name, vcpus=100, memory_mb=1000, cpu_threshold=0.8,
                       mem_threshold=0.8, enabled=target),
            build.HostFacts(name, 'rp', state, 'enabled', target,
                            why_not_target=why))


def collection(target=None, known=()):
    """Source 's' and target 't' (CPU limit 80, memory limit 800); the
    moving server 'a' (group 'g') and ``known`` core servers."""
    hosts = [host('s'), target or host('t')]
    servers = [model.Server('a', 's', 10, 100, 10, 100, 100, group='g'),
               *known]
    return build.Collection(
        cluster=model.Cluster([h for h, _ in hosts], servers),
        hosts={f.name: f for _, f in hosts},
        pins={s.id: () for s in servers}, problems=[])


def fresh(sid, host='s', status='ACTIVE', task_state=None, cpu=10,
          ram=100, locked=False):
    return records.Server(id=sid, host=host, status=status,
                          task_state=task_state, locked=locked,
                          flavor=records.Flavor(vcpus=cpu, ram=ram))


UP = [records.ComputeService('t', 'up', 'enabled')]


def check(server, target=None, on_target=(), members=(), incoming=(),
          services=UP, known=()):
    return recheck.recheck(collection(target, known), mig('a', 's'), server,
                           list(on_target), members, services, incoming)


def test_recheck_passes_on_unchanged_state():
    assert check(fresh('a'), on_target=[fresh('b', 't', cpu=70)]) is None


@pytest.mark.parametrize('kwargs, words', [
    ({'server': None}, 'gone'),
    ({'server': fresh('a', host='elsewhere')}, "now on 'elsewhere'"),
    ({'server': fresh('a', status='MIGRATING', task_state='migrating')},
     'MIGRATING/migrating'),
    ({'server': fresh('a', locked=True)}, 'locked'),
    ({'on_target': [fresh('b', 't', cpu=71)]}, 'CPU 81 > 80'),
    ({'on_target': [fresh('b', 't', ram=701)]}, 'memory'),
    ({'incoming': ['in'], 'known': [
        model.Server('in', 's', 71, 0, 71, 0, 1)]}, 'CPU 81 > 80'),
    ({'on_target': [fresh('s1', 't')], 'members': ['a', 's1']},
     'member of the same group'),
    ({'target': host('t', target=False, state='down',
                     why='hypervisor state down')},
     'state down'),
    ({'services': [records.ComputeService('t', 'up', 'disabled',
                                          'maintenance')]},
     'nova-compute is disabled now (maintenance)'),
])
def test_recheck_refuses(kwargs, words):
    kwargs.setdefault('server', fresh('a'))
    server = kwargs.pop('server')
    assert words in check(server, **kwargs)


# --- the execute loop -----------------------------------------------------

class Recorder(base.Actuator):
    """Runs each migration as a short sleep and records when."""

    name = 'recorder'

    def __init__(self, lims, results=None, seconds=0.05, migration_id='1'):
        super().__init__(lims)
        self.results = results or {}
        self.seconds = seconds
        self.migration_id = migration_id     # None: Nova refused the call
        self.spans = []
        self.lock = threading.Lock()

    def run_one(self, cloud, collection, migration, gate):
        start = time.monotonic()
        time.sleep(self.seconds)
        with self.lock:
            self.spans.append((migration.server, start, time.monotonic()))
        return limits.Outcome(migration.server, migration.source,
                              migration.target,
                              self.results.get(migration.server,
                                               'completed'),
                              migration_id=self.migration_id)


def collection_of(migrations, groups):
    names = sorted({m.source for m in migrations} | {'t'})
    return build.Collection(
        cluster=model.Cluster(
            [model.Host(h, 1, 1, 1, 1) for h in names],
            [model.Server(m.server, m.source, 1, 1, 1, 1, 1,
                          group=groups.get(m.server)) for m in migrations]),
        hosts={}, pins={}, problems=[])


def overlaps(spans):
    spans = sorted(spans, key=lambda s: s[1])
    return any(b[1] < a[2] for a, b in zip(spans, spans[1:]))


def run(actuator, migrations, groups=None, cooldowns=None, stop=None,
        quarantine=None):
    plan = plan_mod.Plan('test', tuple(migrations))
    groups = groups or {m.server: None for m in migrations}
    return actuator.execute(None, collection_of(migrations, groups), plan,
                            cooldowns or limits.Cooldowns(),
                            stop or threading.Event(), quarantine)


def test_execute_one_at_a_time_never_overlaps():
    act = Recorder(limits.Limits(max_concurrent=1, max_per_host=1,
                                 max_per_cycle=10))
    outcomes = run(act, [mig('a', 'h1'), mig('b', 'h2'), mig('c', 'h3')])
    assert [o.result for o in outcomes] == ['completed'] * 3
    assert len(act.spans) == 3 and not overlaps(act.spans)


def test_execute_runs_independent_moves_in_parallel():
    act = Recorder(limits.Limits(max_concurrent=3, max_per_host=1,
                                 max_per_cycle=10), seconds=0.3)
    run(act, [mig('a', 'h1'), mig('b', 'h2'), mig('c', 'h3')])
    assert overlaps(act.spans)


def test_execute_serialises_a_group_and_a_source_host():
    act = Recorder(limits.Limits(max_concurrent=3, max_per_host=1,
                                 max_per_cycle=10), seconds=0.2)
    run(act, [mig('m', 'h1'), mig('s', 'h2'), mig('x', 'h1')],
        groups={'m': 'g', 's': 'g', 'x': None})
    spans = {s: (a, b) for s, a, b in act.spans}
    assert spans['s'][0] >= spans['m'][1]      # same group
    assert spans['x'][0] >= spans['m'][1]      # same source host


def test_execute_cap_cooldown_and_recorded_attempts():
    cooldowns = limits.Cooldowns(60)
    cooldowns.record('cold', time.time(), 'refused')
    act = Recorder(limits.Limits(max_concurrent=1, max_per_cycle=2),
                   results={'a': 'refused'})
    outcomes = run(act, [mig('cold', 'h0'), mig('a', 'h1'), mig('b', 'h2'),
                         mig('c', 'h3')], cooldowns=cooldowns)
    assert [(o.server, o.result) for o in outcomes] == [
        ('cold', 'skipped'), ('a', 'refused'), ('b', 'completed'),
        ('c', 'skipped')]
    assert 'cooldown' in outcomes[0].reason
    assert 'cap of 2' in outcomes[3].reason
    # attempts, successful or not, start a cooldown
    assert cooldowns.remaining('a', time.time()) > 0
    assert cooldowns.remaining('b', time.time()) > 0
    assert cooldowns.remaining('c', time.time()) == 0


def test_execute_stop_finishes_in_flight_starts_nothing_new():
    stop = threading.Event()
    act = Recorder(limits.Limits(max_concurrent=1, max_per_cycle=10),
                   seconds=0.3)
    timer = threading.Timer(0.1, stop.set)
    timer.start()
    outcomes = run(act, [mig('a', 'h1'), mig('b', 'h2')], stop=stop)
    assert [o.result for o in outcomes] == ['completed', 'not-started']


def test_log_actuator_moves_nothing_and_starts_no_cooldown():
    cooldowns = limits.Cooldowns()
    act = log_actuator.LogActuator()
    outcomes = run(act, [mig('a', 'h1')], cooldowns=cooldowns)
    assert [o.result for o in outcomes] == ['dry-run']
    assert cooldowns.pins(time.time()) == {}


# --- Quarantine -----------------------------------------------------------

def test_quarantine_expires_and_reports_new_hosts_once():
    q = limits.Quarantine(60)
    assert q.record('h', 100.0, 'migration of a to it failed')
    assert not q.record('h', 110.0, 'migration of b to it timeout')
    assert q.take_new() == ['h'] and q.take_new() == []
    assert q.why('h', 150.0) == ('quarantined: migration of b to it '
                                 'timeout, 20s left')
    assert q.hosts(169.0) == {'h': q.why('h', 169.0)}
    assert q.why('h', 170.0) is None and q.hosts(170.0) == {}
    again = limits.Quarantine(60)
    again.restore(q.items() + [('old', 50.0, 'gone')], 120.0)
    assert list(again.hosts(120.0)) == ['h']


@pytest.mark.parametrize('bad', ['timeout', 'failed', 'refused'])
def test_a_failing_target_is_quarantined_for_the_rest_of_the_cycle(bad):
    """Issue 11: after a migration to a dead host timed out, the agent
    started another one to the same host in the same cycle."""
    quarantine = limits.Quarantine(600)
    act = Recorder(limits.Limits(max_concurrent=1, max_per_cycle=10),
                   results={'a': bad})
    outcomes = run(act, [mig('a', 'h1', 'dead'), mig('b', 'h2', 'dead'),
                         mig('c', 'h3', 'ok')], quarantine=quarantine)
    assert [(o.server, o.result) for o in outcomes] == [
        ('a', bad), ('b', 'skipped'), ('c', 'completed')]
    assert outcomes[1].reason.startswith(
        f'target dead quarantined: migration of a to it {bad}, ')
    assert [s for s, _, _ in act.spans] == ['a', 'c']
    assert quarantine.take_new() == ['dead']
    assert 'dead' in quarantine.hosts(time.time())
    # a success quarantines nothing
    assert 'ok' not in quarantine.hosts(time.time())


def test_a_request_nova_refuses_outright_quarantines_nothing():
    """HTTP 4xx on the request (no migration record: e.g. the server is
    locked) says nothing about the target."""
    quarantine = limits.Quarantine(600)
    act = Recorder(limits.Limits(max_concurrent=1, max_per_cycle=10),
                   results={'a': 'refused'}, migration_id=None)
    outcomes = run(act, [mig('a', 'h1', 'ok'), mig('b', 'h2', 'ok')],
                   quarantine=quarantine)
    assert [o.result for o in outcomes] == ['refused', 'completed']
    assert quarantine.hosts(time.time()) == {}


# --- stuck migrations (issue 11 item 2) -----------------------------------

def test_a_stuck_migration_no_longer_blocks_moves_between_other_hosts():
    """Nova's migrations in flight count against the limits -- except a
    stuck one: before, one migration to a dead host blocked every later
    cure ("1 migration(s) in flight, limit 1")."""
    import dataclasses
    act = Recorder(limits.Limits(max_concurrent=1, max_per_cycle=10))
    migrations = [mig('a', 'h1', 'ok')]
    plan = plan_mod.Plan('test', tuple(migrations))
    collection = dataclasses.replace(
        collection_of(migrations, {'a': None}), migrating={'X': 'h9'})
    blocked = act.execute(None, collection, plan, limits.Cooldowns(),
                          threading.Event())
    assert [(o.result, o.reason) for o in blocked] == [
        ('not-started', '1 migration(s) in flight, limit 1')]
    stuck = dataclasses.replace(collection, stuck={
        'X': build.Stuck('X', 'h9', 'dead', 1000.0)})
    outcomes = act.execute(None, stuck, plan, limits.Cooldowns(),
                           threading.Event())
    assert [o.result for o in outcomes] == ['completed']


def test_a_move_onto_a_host_waits_for_the_plans_move_off_it():
    """Nova migrates X off h1 (started by someone else), so the plan's
    move a off h1 waits for the per-host limit; b onto h1 waits for a
    (the plan counted on the room a makes), c onto h9 does not wait for
    X (the plan counted X on h9). Nothing of ours could start but c."""
    import dataclasses
    act = Recorder(limits.Limits(max_concurrent=5, max_per_host=1,
                                 max_per_cycle=10))
    migrations = [mig('a', 'h1', 't'), mig('b', 'h2', 'h1'),
                  mig('c', 'h3', 'h9')]
    collection = dataclasses.replace(
        collection_of(migrations, {'a': None, 'b': None, 'c': None}),
        migrating={'X': 'h1', 'Y': 'h9'})
    outcomes = act.execute(None, collection,
                           plan_mod.Plan('test', tuple(migrations)),
                           limits.Cooldowns(), threading.Event())
    assert [(o.server, o.result, o.reason) for o in outcomes] == [
        ('a', 'not-started', '1 migration(s) off h1 in flight, limit 1'),
        ('b', 'not-started', 'a move off h1 before it in the plan has not '
                             'finished (it makes the room)'),
        ('c', 'completed', '')]
