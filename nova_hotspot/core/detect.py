"""Hotspot detection: a host is hot when its summed CPU use passes its CPU
limit or its summed memory use passes its memory limit, each resource judged
on its own."""

import dataclasses

from nova_hotspot.core import load
from nova_hotspot.core import model


@dataclasses.dataclass(frozen=True, slots=True)
class Hotspot:
    """One hot host and by how much each resource is over its limit."""

    host: str
    cpu_used: float
    cpu_limit: float
    mem_used: float
    mem_limit: float

    @property
    def cpu_excess(self):
        return max(0.0, self.cpu_used - self.cpu_limit)

    @property
    def mem_excess(self):
        return max(0.0, self.mem_used - self.mem_limit)

    @property
    def resources(self):
        """The resources that are over their limit, CPU first."""
        hot = []
        if load.over_limit(self.cpu_used, self.cpu_limit):
            hot.append(model.Resource.CPU)
        if load.over_limit(self.mem_used, self.mem_limit):
            hot.append(model.Resource.MEM)
        return tuple(hot)


def hotspot_at(state, hi):
    """The Hotspot for host position ``hi`` of a LoadState, or None."""
    if not state.is_hot(hi):
        return None
    return Hotspot(host=state.cluster.hosts[hi].name,
                   cpu_used=state.cpu_used[hi],
                   cpu_limit=state.cpu_limit[hi],
                   mem_used=state.mem_used[hi],
                   mem_limit=state.mem_limit[hi])


def find_hotspots(state):
    """All hot hosts of a LoadState, in snapshot order."""
    return [hotspot_at(state, hi) for hi in state.hot_hosts()]


def detect(cluster):
    """All hot hosts of a cluster snapshot, in snapshot order."""
    return find_hotspots(load.LoadState(cluster))
