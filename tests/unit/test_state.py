"""State that survives restarts (issue 11 item 3): cooldowns, target
quarantines and the k-of-n hot history in ``[hotspot] state_path``."""

import json
import logging
import os

import pytest

from nova_hotspot.actuators import limits
from nova_hotspot.agent import state
from nova_hotspot.agent import state_backends
from nova_hotspot.core import history as history_mod
from tests.unit.test_agent_cycle import make


def holders(now=1000.0, path=None):
    cooldowns = limits.Cooldowns(600)
    quarantine = limits.Quarantine(300)
    history = history_mod.HotHistory(2, 3)
    persistence = state.Persistence(state.FileStore(path), cooldowns,
                                    quarantine, history, lambda: now)
    return persistence


def test_saved_state_comes_back_after_a_restart(tmp_path):
    path = str(tmp_path / 'sub' / 'state.json')
    before = holders(path=path)
    before.cooldowns.record('S1', 900.0, 'completed')
    before.cooldowns.record('OLD', 100.0, 'failed')   # cooled down already
    before.quarantine.record('compute3', 950.0, 'migration of S2 to it '
                                                'timeout')
    before.history.record_hot(['compute1'])
    before.history.record_hot(['compute1', 'compute2'])
    before.save()
    data = json.loads(open(path).read())
    assert data['version'] == 1 and set(data['cooldowns']) == {'S1'}
    assert os.listdir(tmp_path / 'sub') == ['state.json']   # no temp left

    after = holders(now=1010.0, path=path)
    assert after.restore() == (1, 1, 2)
    assert after.cooldowns.remaining('S1', 1010.0) == pytest.approx(490.0)
    assert after.quarantine.why('compute3', 1010.0).startswith(
        'quarantined: migration of S2 to it timeout, 240s left')
    assert after.history.persistent() == {'compute1'}


@pytest.mark.parametrize('text', [
    '', '{not json', '[]', '{"version": 2}',
    '{"version": 1, "cooldowns": {"S1": [1e999, "x"]}}',
    '{"version": 1, "cooldowns": {"S1": "soon"}}',
    '{"version": 1, "quarantine": [["h", "later", "x"]]}',
    '{"version": 1, "history": [["h"], 7]}',
    '\xff\xfe garbage',
])
def test_corrupted_state_starts_empty_with_one_warning(tmp_path, caplog,
                                                       text):
    path = tmp_path / 'state.json'
    path.write_text(text, encoding='latin-1')
    p = holders(path=str(path))
    with caplog.at_level(logging.WARNING):
        assert p.restore() == (0, 0, 0)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert 'ignoring the saved state in file ' in warnings[0].getMessage()
    assert p.cooldowns.items() == {} and len(p.history) == 0


def test_missing_state_starts_empty_quietly(tmp_path, caplog):
    p = holders(path=str(tmp_path / 'none.json'))
    with caplog.at_level(logging.WARNING):
        assert p.restore() == (0, 0, 0)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_an_unwritable_state_path_is_a_warning_not_a_crash(tmp_path,
                                                           caplog):
    blocker = tmp_path / 'file'
    blocker.write_text('')
    p = holders(path=str(blocker / 'state.json'))   # a file as directory
    with caplog.at_level(logging.WARNING):
        p.save()
        p.save()
    assert len([r for r in caplog.records
                if 'cannot write' in r.getMessage()]) == 1


def test_the_agent_persists_every_change_and_restores_at_start(tmp_path):
    path = tmp_path / 'state.json'
    _, agent = make(tmp_path, f'state_path = {path}\n'
                              'hot_samples_required = 2\n'
                              'hot_samples_window = 3\n')
    now = agent.clock()
    agent.cooldowns.record('S1', now, 'completed')
    agent.quarantine.record('compute2', now, 'migration of S1 to it failed')
    agent.history.record_hot(['compute1'])
    agent._save_state()
    _, restarted = make(tmp_path, f'state_path = {path}\n'
                                  'hot_samples_required = 2\n'
                                  'hot_samples_window = 3\n')
    assert restarted.cooldowns.remaining('S1', now) > 0
    assert 'compute2' in restarted.quarantine.hosts(now)
    assert [set(s) for s in restarted.history.samples()] == [{'compute1'}]


def test_a_requested_migration_starts_its_cooldown_at_once():
    """So an agent killed while the migration runs does not move the
    server again after its restart."""
    from nova_hotspot.actuators import base
    from nova_hotspot.core import plan as plan_mod

    class Nothing(base.Actuator):
        def run_one(self, cloud, collection, migration, gate):
            raise AssertionError('not called')

    cooldowns = limits.Cooldowns(600)
    saved = []
    cooldowns.on_change = lambda: saved.append(dict(cooldowns.items()))
    act = Nothing(clock=lambda: 50.0)
    act._cooldowns = cooldowns
    act.requested(plan_mod.Migration('S1', 'a', 'b'))
    assert saved == [{'S1': (50.0, 'in flight')}]


def test_plan_on_a_live_cloud_sees_the_agents_saved_state(tmp_path):
    """nova-hotspot plan --config-file: a quarantined host is no target
    with the agent's reason, a server cooling down is pinned."""
    import dataclasses
    import time

    from nova_hotspot.agent import live
    path = tmp_path / 'state.json'
    _, agent = make(tmp_path, f'state_path = {path}\n')
    now = time.time()
    agent.cooldowns.record('S1', now, 'completed')
    agent.quarantine.record('compute2', now, 'migration of S1 to it timeout')
    pins, quarantined = live.saved_state(agent.settings)
    assert list(pins) == ['S1'] and 'completed' in pins['S1']
    assert quarantined['compute2'].startswith(
        'quarantined: migration of S1 to it timeout, ')
    assert live.saved_state(dataclasses.replace(
        agent.settings, state_path=None)) == ({}, {})


# --- in the coordination backend (state_backends) -------------------------

class KeyValue:
    """A backend's one key, as plain data (``fail``: what its client
    raises)."""

    def __init__(self, value=None, fail=None):
        self.value, self.fail = value, fail

    def get(self):
        if self.fail:
            raise self.fail
        return self.value

    def put(self, value):
        if self.fail:
            raise self.fail
        self.value = value


def backend_holders(kv, now=1000.0):
    persistence = holders(now=now)
    persistence.store = state_backends.BackendStore('redis key k', kv.get,
                                                    kv.put)
    return persistence


def test_a_standby_taking_over_reads_the_leaders_state_from_the_backend():
    kv = KeyValue()
    leader = backend_holders(kv)
    leader.cooldowns.record('S1', 900.0, 'completed')
    leader.quarantine.record('compute3', 950.0, 'migration of S2 to it '
                                                'timeout')
    leader.history.record_hot(['compute1'])
    leader.save()
    assert json.loads(kv.value)['cooldowns'] == {'S1': [900.0, 'completed']}
    standby = backend_holders(kv, now=1010.0)
    standby.cooldowns.record('S9', 1005.0, 'failed')   # its own, kept
    assert standby.restore() == (2, 1, 1)
    assert standby.cooldowns.remaining('S1', 1010.0) == pytest.approx(490.0)
    assert 'compute3' in standby.quarantine.hosts(1010.0)
    assert [set(s) for s in standby.history.samples()] == [{'compute1'}]
    # re-read on becoming the leader again: the newer attempt wins, the
    # history is the saved one (not appended twice)
    standby.cooldowns.record('S1', 1008.0, 'refused')
    standby.restore()
    assert standby.cooldowns.items()['S1'] == (1008.0, 'refused')
    assert len(standby.history) == 1


@pytest.mark.parametrize('kv, words', [
    (KeyValue(b'{not json'), 'not JSON'),
    (KeyValue(b'{"version": 1, "history": 7}'), 'history: not a list'),
    (KeyValue(fail=ConnectionError('refused')),
     'cannot read: ConnectionError: refused'),
])
def test_a_bad_or_unreadable_backend_state_starts_empty_with_one_warning(
        caplog, kv, words):
    persistence = backend_holders(kv)
    with caplog.at_level(logging.WARNING):
        assert persistence.restore() == (0, 0, 0)
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert 'ignoring the saved state in redis key k' in warning.getMessage()
    assert words in warning.getMessage()


def test_a_failing_backend_write_is_one_warning(caplog):
    kv = KeyValue(fail=TimeoutError('no answer'))
    persistence = backend_holders(kv)
    with caplog.at_level(logging.WARNING):
        persistence.save()
        persistence.save()
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith('state: cannot write to redis key k: '
                              'TimeoutError: no answer')
