"""The API side of collecting: whole-cloud listings through the cloud/
gateways, and the inventories of the hypervisors' resource providers.

Placement has no call that returns many inventories, so they are the one
per-host read. Two things keep them cheap at thousands of hosts: an
``inventories.InventoryCache`` kept across cycles (one listing of the
providers' generations says which inventories still hold; an unchanged
cloud costs no inventory read), and a bounded pool of ``workers`` threads
that reads the others in parallel while this thread lists servers, server
groups and aggregates from Nova. Nova's listings are paged (by Nova's own
links, through openstacksdk).
"""

import concurrent.futures
import time

from nova_hotspot.collect import build as build_mod
from nova_hotspot.collect import inventories as inventories_mod

#: Placement reads in flight at once (``[hotspot] placement_workers``).
DEFAULT_WORKERS = 8


def fetch(cloud, cache=None, workers=DEFAULT_WORKERS):
    """Read the cloud into (``build.RawCloud``, {'cache': n, 'placement':
    m}: where the inventories came from). ``cache``: an
    ``InventoryCache`` kept by the caller across cycles (None: every
    inventory is read)."""
    cache = cache if cache is not None else inventories_mod.InventoryCache()
    hypervisors = cloud.hypervisors.list()
    providers = [h.id for h in hypervisors if h.id]
    split = cache.split(providers, cloud.inventories.generations())
    inventories = dict(split.reused)
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(split.to_read) or 1)),
        thread_name_prefix='placement')
    try:
        reads = {uuid: pool.submit(cloud.inventories.of, uuid)
                 for uuid in split.to_read}
        servers = cloud.servers.list()
        groups = cloud.groups.list()
        aggregates = cloud.aggregates.list()
        for uuid, future in reads.items():
            found = future.result()
            if found is None:       # gone from Placement since the listing
                continue
            generation, inventory = found
            cache.keep(uuid, generation, inventory)
            inventories[uuid] = inventory
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    sources = {'cache': len(split.reused), 'placement': len(split.to_read)}
    return build_mod.RawCloud(hypervisors, inventories, servers, groups,
                              aggregates), sources


def collect(cloud, options, usage_source, extra_pins=None,
            quarantined=None, stuck_after=None, clock=time.time,
            cache=None, workers=DEFAULT_WORKERS, requested=None):
    """fetch + build, timing it and counting the API calls it made.
    ``usage_source``: a ``usage.base.UsageSource``; ``quarantined``:
    {host: why} of the hosts that are no targets now; ``stuck_after``:
    seconds after which a migration Nova still runs is stuck (None: not
    judged; then no migration record is read); ``cache``, ``workers``:
    see ``fetch``; ``requested``: {server id: target} of the agent's own
    requests (``build.stuck``)."""
    start = time.monotonic()
    before = cloud.counter.peek()
    raw, sources = fetch(cloud, cache, workers)
    stuck = {}
    if stuck_after is not None:
        # One call per server Nova is migrating now (few): its newest live
        # migration record gives the hosts and the age.
        records, names = {}, {}
        for srv in raw.servers:
            if srv.migrating and srv.id:
                record = cloud.migrations.latest_live(srv.id)
                if record is not None:
                    records[srv.id] = record
                    names[srv.id] = srv.name
        stuck = build_mod.stuck(records, clock(), stuck_after, requested,
                                names)

    def usage(servers):
        return usage_source.usage(cloud, servers)
    usage.name = usage_source.name
    usage.measures_memory = usage_source.measures_memory
    collection = build_mod.build(raw, options, usage, extra_pins,
                                 quarantined, stuck)
    after = cloud.counter.peek()
    after.subtract(before)
    collection.api_calls = {k: v for k, v in after.items() if v > 0}
    collection.inventory_sources = sources
    collection.seconds = time.monotonic() - start
    return collection
