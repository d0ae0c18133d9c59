"""Usage source ``placement`` (the default): a server uses what Placement
allocated to it, i.e. its flavor's VCPU and MEMORY_MB (the flavor embedded
in the server listing, microversion >= 2.47: no call per server).

This is the scheduler's view: a host is hot when its allocations pass the
threshold of its capacity.
"""

from nova_hotspot.usage import base


class PlacementUsage(base.UsageSource):
    name = 'placement'

    def usage(self, cloud, records):
        return {r.id: (r.vcpus, r.ram) for r in records}, []
