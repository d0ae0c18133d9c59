"""Actuator ``live_migrate``: live-migrates servers through the cloud/
gateways.

For each move: read the server, the servers on the target, the server's
group members and the target's nova-compute service again, and re-check
the move on that fresh state (``recheck``: the one validator on a small
fresh cluster); then ask Nova to live-migrate it to the target
(``block_migration='auto'``, never forced: the scheduler still checks the
target); then follow the server and the migrations API until the
migration completes, fails or ``migration_timeout`` passes. A refused or
failed migration is recorded with Nova's reason. One that times out is
aborted through Nova's server migrations API (microversion 2.65, so a
queued or preparing one too) and followed for at most min(migration_timeout,
60 s): its outcome says "aborted, server ACTIVE on <source>", "not aborted:
<Nova's reason>" or "abort requested, still in flight after Ns" (what
the collector later judges stuck).
"""

import logging
import time

from nova_hotspot import exceptions
from nova_hotspot.actuators import base
from nova_hotspot.actuators import limits
from nova_hotspot.actuators import recheck
from nova_hotspot.core import words

LOG = logging.getLogger(__name__)

FAILED_MIGRATION = frozenset({'error', 'failed', 'cancelled'})
#: How long the outcome of an abort is followed, at most (and at most
#: migration_timeout).
ABORT_FOLLOW_SECONDS = 60.0


class LiveMigrateActuator(base.Actuator):
    name = 'live_migrate'

    def __init__(self, limits=None, clock=time.time, sleep=time.sleep):
        super().__init__(limits, clock)
        self.sleep = sleep

    # -- fresh state ------------------------------------------------------
    @staticmethod
    def _recheck(cloud, collection, migration, gate):
        server = cloud.servers.get(migration.server)
        on_target = cloud.servers.on_host(migration.target)
        cluster = collection.cluster
        members = ()
        if cluster.server_index(migration.server) is not None:
            group = cluster.server(migration.server).group
            if group:
                members = cloud.groups.members(group)
        services = None
        facts = collection.hosts.get(migration.target)
        if facts is not None and facts.target:
            services = cloud.services.compute(migration.target)
        incoming = [m.server for m in list(gate.in_flight.values())
                    if m.target == migration.target
                    and m.server != migration.server]
        return recheck.recheck(collection, migration, server, on_target,
                               members, services, incoming)

    # -- one move ---------------------------------------------------------
    def run_one(self, cloud, collection, migration, gate):
        outcome = limits.Outcome(migration.server, migration.source,
                                 migration.target, 'skipped')
        who = words.label_in(collection.cluster, migration.server)

        def progress(text):
            stamp = self.clock() - (outcome.started or self.clock())
            outcome.progress.append(f'{stamp:5.1f}s {text}')
            LOG.info('migration %s %s -> %s: %s', who,
                     migration.source, migration.target, text)

        try:
            problem = self._recheck(cloud, collection, migration, gate)
        except exceptions.CloudError as exc:
            outcome.reason = f'could not re-check: {exc}'
            return outcome
        if problem:
            outcome.reason = f'fresh state: {problem}'
            LOG.warning('not migrating %s: %s', who, outcome.reason)
            return outcome

        outcome.started = self.clock()
        try:
            cloud.servers.live_migrate(migration.server, migration.target)
        except exceptions.CloudError as exc:
            outcome.result = 'refused'
            outcome.reason = str(exc)
            outcome.finished = self.clock()
            LOG.warning('migration of %s to %s refused: %s', who,
                        migration.target, exc)
            return outcome
        progress('requested')
        self.requested(migration)
        return self._follow(cloud, migration, outcome, progress, who)

    def _follow(self, cloud, migration, outcome, progress, who):
        watched = self._watch(cloud, migration, outcome, progress,
                              outcome.started
                              + self.limits.migration_timeout)
        if watched is None:
            return self._abort(cloud, migration, outcome, progress, who)
        server, (outcome.result, outcome.reason) = watched
        if outcome.result == 'failed':
            why = self._nova_reason(cloud, migration.server)
            if why:
                outcome.reason += f'; Nova: {why}'
            if why.startswith('conductor_') and \
                    server.host == migration.source:
                # Nova's conductor refused it (scheduler or pre-checks)
                # before anything moved.
                outcome.result = 'refused'
            LOG.warning('migration of %s to %s failed: %s',
                        who, migration.target, outcome.reason)
        outcome.finished = self.clock()
        return outcome

    def _watch(self, cloud, migration, outcome, progress, deadline):
        """Poll the server and its migration record until the migration
        is over, (server, (result, reason)), or ``deadline`` passes,
        None."""
        last = None
        while True:
            self.sleep(self.limits.poll_interval)
            try:
                server = cloud.servers.get(migration.server)
                record = cloud.migrations.latest_live(migration.server)
            except exceptions.CloudError as exc:
                progress(f'poll failed: {exc}')
                server = record = None
            if record is not None:
                outcome.migration_id = str(record.id)
            if server is not None:
                state = (server.status, server.task_state, server.host,
                         record.status if record is not None else None)
                if state != last:
                    progress(f'server {state[0]}'
                             + (f'/{state[1]}' if state[1] else '')
                             + f' on {state[2]}, migration '
                             f'{state[3] or "?"}')
                    last = state
                done = self._finished(server, record, migration)
                if done is not None:
                    return server, done
            if self.clock() >= deadline:
                return None

    def _abort(self, cloud, migration, outcome, progress, who):
        """After ``migration_timeout``: ask Nova to abort the migration
        and follow the result for at most min(migration_timeout,
        ABORT_FOLLOW_SECONDS). The outcome stays ``timeout`` (its target
        is quarantined) unless the migration ended otherwise meanwhile;
        one still in flight is left to Nova (the collector judges it
        stuck later)."""
        timeout = self.limits.migration_timeout
        outcome.result = 'timeout'
        outcome.reason = f'not finished after {timeout:g}s'
        try:
            if outcome.migration_id is None:
                record = cloud.migrations.latest_live(migration.server)
                if record is None:
                    raise exceptions.CloudError('Nova has no record of it')
                outcome.migration_id = str(record.id)
            cloud.migrations.abort(migration.server, outcome.migration_id)
        except exceptions.CloudError as exc:
            outcome.reason += f'; not aborted: {exc}'
        else:
            progress(f'abort of migration {outcome.migration_id} requested')
            follow = min(timeout, ABORT_FOLLOW_SECONDS)
            watched = self._watch(cloud, migration, outcome, progress,
                                  self.clock() + follow)
            if watched is None:
                outcome.reason += (f'; abort requested, still in flight '
                                   f'after {follow:g}s')
            else:
                server, (result, reason) = watched
                if result == 'completed':
                    outcome.result = 'completed'
                    outcome.reason = 'completed while being aborted'
                elif server.status == 'ACTIVE' and \
                        server.host == migration.source:
                    outcome.reason += (f'; aborted, server ACTIVE on '
                                       f'{server.host}')
                else:
                    outcome.result = 'failed'
                    outcome.reason += f'; aborted: {reason}'
        outcome.finished = self.clock()
        level = logging.INFO if outcome.result == 'completed' else \
            logging.WARNING
        LOG.log(level, 'migration of %s to %s: %s', who, migration.target,
                outcome.reason)
        return outcome

    @staticmethod
    def _nova_reason(cloud, server_id):
        """Why Nova says the last live migration failed ('' if it does not
        say or cannot be asked)."""
        try:
            return cloud.migrations.failure_reason(server_id)
        except exceptions.CloudError as exc:
            LOG.info('no reason from Nova for %s: %s', server_id, exc)
            return ''

    @staticmethod
    def _finished(server, record, migration):
        """(result, reason) once the migration is over, else None."""
        status = record.status if record is not None else None
        if server.status == 'ERROR':
            return 'failed', (f'server went to ERROR (migration '
                              f'{status or "?"})')
        if server.task_state or server.status == 'MIGRATING':
            return None
        if server.host == migration.target:
            if status in (None, 'completed'):
                return 'completed', ''
            return None     # host switched; wait for the record to close
        if status in FAILED_MIGRATION:
            return 'failed', (f'Nova migration {record.id} status {status}; '
                              f'server still on {server.host}')
        if status == 'completed':
            return 'failed', (f'migration completed but server is on '
                              f'{server.host}')
        return None
