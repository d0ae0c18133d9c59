"""What a move lowers: the resources over their level on its source that
its server uses. One rule for the plan report (``lowers`` of a move) and
the plan metrics (a move that lowers nothing is a mis-migration).

A resource needs lowering while its use is over its limit; for a plan with
a ``source_margin`` m, a resource that was over its limit on a host before
the plan needs lowering until it is down to (1 - m) x its limit.
"""

from nova_hotspot.core import load
from nova_hotspot.core import model


class Levels:
    """Per host, the use above which each resource still needs lowering,
    from the LoadState ``start`` of the cluster before the plan."""

    def __init__(self, start, source_margin=0.0):
        keep = 1.0 - source_margin
        self.cpu = list(start.cpu_limit)
        self.mem = list(start.mem_limit)
        for hi in start.hot_hosts():
            if start.cpu_over(hi):
                self.cpu[hi] = min(self.cpu[hi], keep * start.cpu_limit[hi])
            if start.mem_over(hi):
                self.mem[hi] = min(self.mem[hi], keep * start.mem_limit[hi])

    def lowered(self, state, server, source):
        """The resources (``model.Resource``, CPU first) that moving
        ``server`` off host position ``source`` lowers, on ``state`` as it
        is before the move; empty for a mis-migration."""
        found = []
        if server.cpu > 0 and load.over_limit(state.cpu_used[source],
                                              self.cpu[source]):
            found.append(model.Resource.CPU)
        if server.mem > 0 and load.over_limit(state.mem_used[source],
                                              self.mem[source]):
            found.append(model.Resource.MEM)
        return tuple(found)
