"""A live migration that outlives ``migration_timeout`` is aborted through
Nova and its end followed (issue 11 item 2): what the outcome says for
each way Nova answers, on plain records of Nova's answers (the minicloud
test test_faults_migrations.py makes them happen for real)."""

import pytest

from nova_hotspot import exceptions
from nova_hotspot.actuators import limits
from nova_hotspot.actuators import live_migrate
from nova_hotspot.cloud import records
from nova_hotspot.core import plan as plan_mod

MIGRATING = ('MIGRATING', 'migrating', 'h1', 'running')
BACK_ON_SOURCE = ('ACTIVE', None, 'h1', 'cancelled')
ON_TARGET = ('ACTIVE', None, 'h2', 'completed')
REFUSAL = ('migration 7: HTTP 400: Migration 7 state of instance s is '
           'accepted. Cannot abort live migration while the migration is '
           'in this state.')


class ScriptedNova:
    """Nova's answers as plain records: the server and its migration
    record are ``before`` until the abort, then ``after``; ``refuse``: the
    abort's refusal (CloudError text), or None."""

    def __init__(self, before, after, refuse=None):
        self.state, self.after, self.refuse = before, after, refuse
        self.aborts = []
        self.servers = self.migrations = self

    def get(self, server_id):
        status, task_state, host, _ = self.state
        return records.Server(server_id, host=host, status=status,
                              task_state=task_state)

    def latest_live(self, server_id):
        return records.Migration(7, self.state[3], '2026-01-01T00:00:00',
                                 'h1', 'h2')

    def abort(self, server_id, migration_id):
        self.aborts.append((server_id, migration_id))
        if self.refuse:
            raise exceptions.CloudError(self.refuse)
        self.state = self.after

    def failure_reason(self, server_id):
        return ''


def follow(nova, timeout):
    """The actuator following a requested migration, on a fake clock
    that the polling sleep advances."""
    now = [1000.0]

    def sleep(seconds):
        now[0] += seconds

    actuator = live_migrate.LiveMigrateActuator(
        limits.Limits(migration_timeout=timeout, poll_interval=1.0),
        clock=lambda: now[0], sleep=sleep)
    outcome = limits.Outcome('s', 'h1', 'h2', 'skipped', started=now[0])
    actuator._follow(nova, plan_mod.Migration('s', 'h1', 'h2'), outcome,
                     lambda text: None, 's')
    return outcome, outcome.finished - outcome.started


@pytest.mark.parametrize('after, refuse, timeout, result, reason, took', [
    # the abort works: back on its source, ACTIVE
    (BACK_ON_SOURCE, None, 10, 'timeout',
     'not finished after 10s; aborted, server ACTIVE on h1', 11),
    # Nova refuses the abort (its conductor still pre-checks the target)
    (MIGRATING, REFUSAL, 10, 'timeout',
     f'not finished after 10s; not aborted: {REFUSAL}', 10),
    # the abort is accepted but nothing happens: followed for
    # min(migration_timeout, 60 s), then left to Nova (later: stuck)
    (MIGRATING, None, 10, 'timeout',
     'not finished after 10s; abort requested, still in flight after 10s',
     20),
    (MIGRATING, None, 600, 'timeout',
     'not finished after 600s; abort requested, still in flight after 60s',
     660),
    # it completed before the abort took
    (ON_TARGET, None, 10, 'completed', 'completed while being aborted', 11),
])
def test_a_timed_out_migration_is_aborted_and_its_end_followed(
        after, refuse, timeout, result, reason, took):
    nova = ScriptedNova(MIGRATING, after, refuse)
    outcome, seconds = follow(nova, timeout)
    assert (outcome.result, outcome.reason) == (result, reason)
    assert nova.aborts == [('s', '7')]
    assert outcome.migration_id == '7'
    assert seconds == took


def test_a_migration_that_ends_in_time_is_not_aborted():
    nova = ScriptedNova(ON_TARGET, None)
    outcome, _ = follow(nova, 10)
    assert outcome.result == 'completed'
    assert nova.aborts == []
