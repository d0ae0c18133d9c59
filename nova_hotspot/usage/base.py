"""The contract of a usage source."""

import abc


class UsageSource(abc.ABC):
    """Gives each server's current use.

    ``usage(cloud, records)`` gets the collector's ``ServerRecord`` list and
    returns ``({server id: (cpu, mem)}, problems)``: cpu in busy
    vCPU-equivalents, mem in MB; problems are ``roles.Problem``. A server
    left out of the mapping is loaded with its flavor by the collector.
    """

    name = None

    def __init__(self, settings=None):
        self.settings = settings

    @abc.abstractmethod
    def usage(self, cloud, records):
        """Return ({server id: (cpu, mem)}, problems)."""
