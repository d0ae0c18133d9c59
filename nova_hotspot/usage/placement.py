"""Usage source ``placement`` (the default): a server uses what Placement
allocated to it, i.e. its flavor's VCPU and MEMORY_MB (the flavor embedded
in the server listing, microversion >= 2.47: no call per server).

This is the scheduler's view: a host is hot when its allocations pass the
threshold of its capacity. The report gives no values: a server the report
leaves out keeps its flavor, which is exactly its allocation (the
collector also judges the flavor's numbers, reporting bad ones once).
"""

from nova_hotspot.usage import base


class PlacementUsage(base.UsageSource):
    name = 'placement'
    measures_memory = False

    def usage(self, cloud, servers):
        return base.UsageReport()
