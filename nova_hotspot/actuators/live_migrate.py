"""Actuator ``live_migrate``: live-migrates servers through openstacksdk.

For each move: re-read the server and re-check the move against fresh
state (``limits.recheck``); then
``live_migrate_server(server, host=target, block_migration='auto')``,
never ``force`` (the scheduler still checks the target); then follow the
server and the migrations API until the migration completes, fails or
``migration_timeout`` passes. A refused or failed migration is recorded
with Nova's reason.
"""

import dataclasses
import logging
import time

from openstack import exceptions as sdk_exc

from nova_hotspot import exceptions
from nova_hotspot.actuators import base
from nova_hotspot.actuators import limits
from nova_hotspot.agent import collector
from nova_hotspot.cloud import errors

LOG = logging.getLogger(__name__)

FAILED_MIGRATION = frozenset({'error', 'failed', 'cancelled'})
LIVE_MIGRATE_MICROVERSION = '2.68'


class LiveMigrateActuator(base.Actuator):
    name = 'live_migrate'

    def __init__(self, settings=None, clock=time.time, sleep=time.sleep):
        super().__init__(settings, clock)
        self.sleep = sleep

    # -- fresh state ------------------------------------------------------
    @staticmethod
    def _server(cloud, server_id):
        """Fresh plain data of a server, or None if it is gone."""
        try:
            with errors(f'reading server {server_id}'):
                return collector.server_dict(
                    cloud.conn.compute.get_server(server_id))
        except exceptions.CloudError as exc:
            if getattr(exc, 'status_code', None) == 404:
                return None
            raise

    @staticmethod
    def _usage_of(collection):
        def usage_of(server):
            if server['id'] in collection.usage:
                return collection.usage[server['id']]
            flavor = server.get('flavor') or {}
            return (float(flavor.get('vcpus') or 0),
                    float(flavor.get('ram') or 0))
        return usage_of

    def _recheck(self, cloud, collection, migration, gate):
        fresh = self._server(cloud, migration.server)
        with errors(f'listing servers on {migration.target}'):
            on_target = [collector.server_dict(s) for s in
                         cloud.conn.compute.servers(
                             details=True, all_projects=True,
                             compute_host=migration.target)]
        record = collection.servers.get(migration.server)
        members = ()
        if record is not None and record.group:
            with errors(f'reading server group {record.group}'):
                members = cloud.conn.compute.get_server_group(
                    record.group).member_ids or ()
        target = self._fresh_target(cloud, collection, migration.target)
        usage_of = self._usage_of(collection)
        incoming = [collection.usage.get(m.server, (0.0, 0.0))
                    for m in list(gate.in_flight.values())
                    if m.target == migration.target
                    and m.server != migration.server]
        return fresh, limits.recheck(
            migration, fresh, target, on_target, usage_of, members,
            incoming)

    @staticmethod
    def _fresh_target(cloud, collection, host):
        """The collector's record of ``host`` with its nova-compute
        service read again now: a compute that went down or was disabled
        since the plan was made may not receive."""
        record = collection.hosts.get(host)
        if record is None or not record.target:
            return record
        with errors(f'reading the compute service of {host}'):
            services = list(cloud.conn.compute.services(
                host=host, binary='nova-compute'))
        why = None
        if not services:
            why = 'no nova-compute service now'
        else:
            for service in services:
                if service.state != 'up':
                    why = f'nova-compute is {service.state} now'
                elif service.status != 'enabled':
                    why = f'nova-compute is {service.status} now' + (
                        f' ({service.disabled_reason})'
                        if service.disabled_reason else '')
                if why:
                    break
        if why is None:
            return record
        return dataclasses.replace(record, target=False, why_not_target=why)

    def _latest_migration(self, cloud, server_id, since):
        with errors(f'listing migrations of {server_id}'):
            records = [m for m in cloud.conn.compute.migrations(
                server_id=server_id, migration_type='live-migration')]
        records.sort(key=lambda m: (m.created_at or '', m.id or 0))
        return records[-1] if records else None

    # -- one move ---------------------------------------------------------
    def run_one(self, cloud, collection, migration, gate):
        outcome = limits.Outcome(migration.server, migration.source,
                                 migration.target, 'skipped')

        def progress(text):
            stamp = self.clock() - (outcome.started or self.clock())
            outcome.progress.append(f'{stamp:5.1f}s {text}')
            LOG.info('migration %s %s -> %s: %s', migration.server,
                     migration.source, migration.target, text)

        try:
            fresh, problem = self._recheck(cloud, collection, migration,
                                           gate)
        except exceptions.CloudError as exc:
            outcome.reason = f'could not re-check: {exc}'
            return outcome
        if problem:
            outcome.reason = f'fresh state: {problem}'
            LOG.warning('not migrating %s: %s', migration.server,
                        outcome.reason)
            return outcome

        outcome.started = self.clock()
        try:
            with errors(f'live migration of {migration.server} to '
                        f'{migration.target} refused'):
                # At >= 2.34 Nova answers at once and runs its pre-checks
                # asynchronously (the SDK asks at 2.30: a hung target then
                # blocks this request, and an API worker, for
                # rpc_response_timeout). 2.68: no "force" any more.
                response = cloud.conn.compute.post(
                    f'/servers/{migration.server}/action',
                    json={'os-migrateLive': {'host': migration.target,
                                             'block_migration': 'auto'}},
                    microversion=LIVE_MIGRATE_MICROVERSION)
                sdk_exc.raise_from_response(response)
        except exceptions.CloudError as exc:
            outcome.result = 'refused'
            outcome.reason = str(exc)
            outcome.finished = self.clock()
            LOG.warning('%s', exc)
            return outcome
        progress('requested')
        return self._follow(cloud, migration, outcome, progress)

    def _follow(self, cloud, migration, outcome, progress):
        deadline = outcome.started + self.limits.migration_timeout
        last = None
        record = None
        while True:
            self.sleep(self.limits.poll_interval)
            try:
                server = self._server(cloud, migration.server)
                record = self._latest_migration(cloud, migration.server,
                                                outcome.started)
            except exceptions.CloudError as exc:
                progress(f'poll failed: {exc}')
                server = None
            if record is not None:
                outcome.migration_id = str(record.id)
            if server is not None:
                state = (server['status'], server['task_state'],
                         server['host'],
                         record.status if record is not None else None)
                if state != last:
                    progress(f'server {state[0]}'
                             + (f'/{state[1]}' if state[1] else '')
                             + f' on {state[2]}, migration '
                             f'{state[3] or "?"}')
                    last = state
                done = self._finished(server, record, migration)
                if done is not None:
                    outcome.result, outcome.reason = done
                    if outcome.result == 'failed':
                        why = self._nova_reason(cloud, migration.server)
                        if why:
                            outcome.reason += f'; Nova: {why}'
                        if why.startswith('conductor_') and \
                                server['host'] == migration.source:
                            # Nova's conductor refused it (scheduler or
                            # pre-checks) before anything moved.
                            outcome.result = 'refused'
                        LOG.warning('migration of %s to %s failed: %s',
                                    migration.server, migration.target,
                                    outcome.reason)
                    outcome.finished = self.clock()
                    return outcome
            if self.clock() >= deadline:
                outcome.result = 'timeout'
                outcome.reason = (f'not finished after '
                                  f'{self.limits.migration_timeout:g}s')
                outcome.finished = self.clock()
                LOG.warning('migration of %s: %s', migration.server,
                            outcome.reason)
                return outcome

    @staticmethod
    def _nova_reason(cloud, server_id):
        """Why Nova says the last live migration of a server failed: the
        failed events of its instance action (microversion >= 2.84 gives
        their details). Empty if Nova does not say."""
        try:
            with errors(f'reading the instance actions of {server_id}'):
                actions = [a for a in cloud.conn.compute.server_actions(
                    server_id) if a.action == 'live-migration']
                if not actions:
                    return ''
                latest = max(actions, key=lambda a: a.start_time or '')
                action = cloud.conn.compute.get_server_action(
                    latest.request_id, server_id)
        except exceptions.CloudError as exc:
            LOG.info('no reason from Nova for %s: %s', server_id, exc)
            return ''
        failed = []
        for event in action.events or ():
            get = event.get if isinstance(event, dict) else (
                lambda k, e=event: getattr(e, k, None))
            if (get('result') or '').lower() != 'error':
                continue
            text = get('details') or ''
            if not text and get('traceback'):
                text = get('traceback').strip().splitlines()[-1]
            failed.append(f'{get("event")}: {" ".join(text.split())}'
                          if text else str(get('event')))
        return '; '.join(failed) or (action.message or '')

    @staticmethod
    def _finished(server, record, migration):
        """(result, reason) once the migration is over, else None."""
        status = record.status if record is not None else None
        if server['status'] == 'ERROR':
            return 'failed', (f'server went to ERROR (migration '
                              f'{status or "?"})')
        if server['task_state'] or server['status'] == 'MIGRATING':
            return None
        if server['host'] == migration.target:
            if status in (None, 'completed'):
                return 'completed', ''
            return None     # host switched; wait for the record to close
        if status in FAILED_MIGRATION:
            return 'failed', (f'Nova migration {record.id} status {status}; '
                              f'server still on {server["host"]}')
        if status == 'completed':
            return 'failed', (f'migration completed but server is on '
                              f'{server["host"]}')
        return None
