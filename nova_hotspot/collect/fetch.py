"""The API side of collecting: whole-cloud listings through the cloud/
gateways (the only per-host call is one Placement inventory read per
resource provider, for which no list call exists)."""

import time

from nova_hotspot.collect import build as build_mod


def fetch(cloud):
    """Read the cloud into a ``build.RawCloud``."""
    hypervisors = cloud.hypervisors.list()
    inventories = {}
    for hyp in hypervisors:
        inventory = cloud.inventories.of(hyp.id)
        if inventory is not None:       # a provider Placement does not know
            inventories[hyp.id] = inventory
    servers = cloud.servers.list()
    groups = cloud.groups.list()
    aggregates = cloud.aggregates.list()
    return build_mod.RawCloud(hypervisors, inventories, servers, groups,
                              aggregates)


def collect(cloud, options, usage_source, extra_pins=None):
    """fetch + build, timing it and counting the API calls it made.
    ``usage_source``: a ``usage.base.UsageSource``."""
    start = time.monotonic()
    before = cloud.counter.peek()
    raw = fetch(cloud)

    def usage(servers):
        return usage_source.usage(cloud, servers)
    usage.name = usage_source.name
    usage.measures_memory = usage_source.measures_memory
    collection = build_mod.build(raw, options, usage, extra_pins)
    after = cloud.counter.peek()
    after.subtract(before)
    collection.api_calls = {k: v for k, v in after.items() if v > 0}
    collection.seconds = time.monotonic() - start
    return collection
