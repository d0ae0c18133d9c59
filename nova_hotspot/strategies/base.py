"""The contract every planning strategy fulfils."""

import abc


class Strategy(abc.ABC):
    """Turns a cluster snapshot into a migration plan.

    A strategy never touches the cloud: safety limits (dry run, concurrency,
    cooldown) belong to the actuator, and every plan is checked by
    ``nova_hotspot.core.validate.validate_plan`` before anything moves.
    """

    #: The short, user-visible plugin name (the entry point's name).
    name = None

    @abc.abstractmethod
    def plan(self, cluster):
        """Return a ``nova_hotspot.core.plan.Plan`` for ``cluster``."""
