"""The contract of an actuator and the loop both actuators share."""

import abc
import concurrent.futures
import logging
import time

from nova_hotspot.actuators import limits as limits_mod
from nova_hotspot.core import plan as plan_mod

LOG = logging.getLogger(__name__)


class Actuator(abc.ABC):
    """Carries out a plan that ``validate_plan`` accepted.

    ``Actuator(limits=None, clock=time.time)``: its ``limits.Limits``
    (defaults when None) and the clock it stamps outcomes and cooldowns
    with.

    ``execute(cloud, collection, plan, cooldowns, stop)`` returns one
    ``Outcome`` per planned migration, in plan order. ``collection``: the
    ``collect.build.Collection`` the plan was made on (its cluster gives
    each server's group and load); ``cooldowns``: ``limits.Cooldowns``.
    ``stop`` is a threading.Event: once set, no new migration starts;
    those in flight are followed to their end or timeout. ``quarantine``
    (``limits.Quarantine`` or None): a migration that fails or times out
    (``Outcome.blames_target``) puts its target there, and pending moves
    to a quarantined target are skipped (for the rest of the cycle and
    after).
    """

    name = None

    def __init__(self, limits=None, clock=time.time):
        self.clock = clock
        self.limits = limits if limits is not None else limits_mod.Limits()

    @abc.abstractmethod
    def run_one(self, cloud, collection, migration, gate):
        """Carry out one migration; return its Outcome (blocking)."""

    def requested(self, migration):
        """Nova accepted the request to move ``migration``: its server's
        cooldown starts now (and is persisted), so an agent killed while it
        runs does not move it again after a restart."""
        cooldowns = getattr(self, '_cooldowns', None)
        if cooldowns is not None:
            cooldowns.record(migration.server, self.clock(), 'in flight')

    def execute(self, cloud, collection, plan, cooldowns, stop,
                quarantine=None):
        self._cooldowns = cooldowns
        limits = self.limits
        outcomes = {}
        pending = []
        now = self.clock()
        for index, migration in enumerate(plan.migrations):
            left = cooldowns.remaining(migration.server, now)
            if left > 0:
                outcomes[index] = limits_mod.Outcome(
                    migration.server, migration.source, migration.target,
                    'skipped', f'cooldown, {left:.0f}s left')
            elif len(pending) >= limits.max_per_cycle:
                outcomes[index] = limits_mod.Outcome(
                    migration.server, migration.source, migration.target,
                    'skipped', f'cap of {limits.max_per_cycle} migrations '
                               f'per cycle reached')
            else:
                pending.append((index, migration))
        groups = {s.id: s.group for s in collection.cluster.servers}
        gate = limits_mod.Gate(limits, groups)
        # Migrations Nova runs already (e.g. started by a killed agent)
        # count against the limits and block their groups until they end.
        # A stuck one (collect.build.Stuck) no longer counts: its server,
        # group and hosts are pinned by the collector instead.
        stuck = getattr(collection, 'stuck', {})
        for server_id, host in sorted(
                collection.migrating.items()):
            if server_id not in gate.in_flight and server_id not in stuck:
                gate.start(plan_mod.Migration(server_id, host or '?', '?',
                                              'in flight in Nova'),
                           planned=False)
        running = {}
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=limits.max_concurrent) as pool:
            while pending or running:
                if stop.is_set() and pending:
                    for index, migration in pending:
                        outcomes[index] = limits_mod.Outcome(
                            migration.server, migration.source,
                            migration.target, 'not-started',
                            'agent stopping')
                    pending = []
                if quarantine is not None:
                    pending = self._skip_quarantined(pending, quarantine,
                                                     outcomes)
                chosen = gate.startable([m for _, m in pending])
                for migration in chosen:
                    index = next(i for i, m in pending if m is migration)
                    pending = [(i, m) for i, m in pending if i != index]
                    future = pool.submit(self._guarded, cloud, collection,
                                         migration, gate)
                    running[future] = (index, migration)
                if not running:
                    # Nothing of ours in flight, yet nothing could start:
                    # Nova's own migrations in flight hold the limits.
                    leaving = set()
                    for index, migration in pending:
                        outcomes[index] = limits_mod.Outcome(
                            migration.server, migration.source,
                            migration.target, 'not-started',
                            gate.blocked(migration, leaving)
                            or 'blocked by the limits')
                        leaving.add(migration.source)
                    break
                done, _ = concurrent.futures.wait(
                    running, timeout=1.0,
                    return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    index, migration = running.pop(future)
                    outcome = future.result()
                    gate.finish(migration)
                    outcomes[index] = outcome
                    if outcome.attempted:
                        cooldowns.record(migration.server, self.clock(),
                                         outcome.result)
                    if quarantine is not None and outcome.blames_target:
                        self._quarantine(quarantine, outcome)
        return [outcomes[i] for i in sorted(outcomes)]

    def _quarantine(self, quarantine, outcome):
        why = f'migration of {outcome.server} to it {outcome.result}'
        if quarantine.record(outcome.target, self.clock(), why):
            LOG.warning('target %s quarantined for %ss: %s (%s)',
                        outcome.target, quarantine.seconds, why,
                        outcome.reason or 'no reason given')

    def _skip_quarantined(self, pending, quarantine, outcomes):
        now = self.clock()
        kept = []
        for index, migration in pending:
            why = quarantine.why(migration.target, now)
            if why is None:
                kept.append((index, migration))
            else:
                outcomes[index] = limits_mod.Outcome(
                    migration.server, migration.source, migration.target,
                    'skipped', f'target {migration.target} {why}')
        return kept

    def _guarded(self, cloud, collection, migration, gate):
        try:
            return self.run_one(cloud, collection, migration, gate)
        except Exception as exc:  # one move's bug must not kill the cycle
            LOG.exception('migration of %s failed unexpectedly',
                          migration.server)
            return limits_mod.Outcome(
                migration.server, migration.source, migration.target,
                'failed', f'{type(exc).__name__}: {exc}')
