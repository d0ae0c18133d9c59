"""``HotspotFilter``: a host the nova-hotspot agent marks hot does not
pass.

A host is marked hot when its resource provider (the compute node:
HostState.uuid is the provider's uuid) carries ``CUSTOM_HOTSPOT_CPU`` or
``CUSTOM_HOTSPOT_MEM``. The hot set is read from Placement once per
scheduling request at most (one ``GET /resource_providers?required=in:``,
reused for ``[hotspot_scheduler] cache_seconds``), never once per host.
When Placement cannot be read every host passes and one warning is logged
(fail open: the scheduler never stops scheduling because of this filter).

Enable it in nova.conf (``available_filters`` takes the class path,
``enabled_filters`` the class name)::

    [filter_scheduler]
    available_filters = nova.scheduler.filters.all_filters
    available_filters = nova_hotspot.scheduler.filters.HotspotFilter
    enabled_filters = <the filters you have>,HotspotFilter

(doc/scheduler.md has the lines with Nova's default filters.)
"""

import logging

from nova.scheduler import filters
from nova.scheduler import utils as scheduler_utils

from nova_hotspot.scheduler import placement

LOG = logging.getLogger(__name__)


class HotspotFilter(filters.BaseHostFilter):
    """Refuse hosts whose resource provider carries a hotspot trait."""

    # Rebuild keeps the server on its host: not this filter's business.
    RUN_ON_REBUILD = False

    def filter_all(self, filter_obj_list, spec_obj):
        if scheduler_utils.request_is_rebuild(spec_obj):
            yield from filter_obj_list
            return
        # One read (or none: cached) for every host of the request.
        hot = placement.HOT.get(spec_obj)
        for host_state in filter_obj_list:
            if _passes(host_state, hot):
                yield host_state

    def host_passes(self, host_state, spec_obj):
        """One host (Nova's contract; filter_all reads the set once)."""
        return _passes(host_state, placement.HOT.get(spec_obj))


def _passes(host_state, hot):
    if hot is None or host_state.uuid not in hot:
        return True
    LOG.debug('HotspotFilter: %s (resource provider %s) is marked hot by '
              'nova-hotspot', host_state.host, host_state.uuid)
    return False
