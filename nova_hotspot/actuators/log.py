"""Actuator ``log`` (dry run): logs each move it would make, under the
same limits and cooldowns as ``live_migrate``, and touches nothing."""

import logging

from nova_hotspot.actuators import base
from nova_hotspot.actuators import limits

LOG = logging.getLogger(__name__)


class LogActuator(base.Actuator):
    name = 'log'

    def run_one(self, cloud, collection, migration, gate):
        LOG.info('dry run: would live-migrate server %s from %s to %s (%s)',
                 migration.server, migration.source, migration.target,
                 migration.reason)
        return limits.Outcome(migration.server, migration.source,
                              migration.target, 'dry-run',
                              'dry run: nothing moved')
