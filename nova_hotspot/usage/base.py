"""The contract of a usage source."""

import abc
import dataclasses


@dataclasses.dataclass(frozen=True)
class ServerUsage:
    """One server's use: ``cpu`` in busy vCPU-equivalents, ``mem_mb`` in
    MB."""

    cpu: float
    mem_mb: float


@dataclasses.dataclass(frozen=True)
class UsageReport:
    """What a usage source found: ``values`` {server id: ServerUsage};
    ``problems``: ``core.problems.Problem``. A server left out of
    ``values`` keeps its flavor as usage (the collector's rule)."""

    values: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)


class UsageSource(abc.ABC):
    """Gives each server's current use.

    ``options``: the source's own typed options (not the whole Settings),
    or None for its defaults.
    """

    name = None
    #: True when the source measures memory in use (then a server's
    #: data_mb is that memory); False for placement (flavor sizes).
    measures_memory = True

    def __init__(self, options=None):
        self.options = options

    @abc.abstractmethod
    def usage(self, cloud, servers):
        """-> UsageReport. ``servers``: the ``cloud.records.Server`` the
        collector read (``.id``, ``.status``, ``.task_state``, ``.flavor``
        with ``.vcpus``/``.ram`` as read); ``cloud``: the ``cloud.Cloud``
        whose gateways it may read. Raising ``exceptions.CloudError``
        fails the cycle."""
