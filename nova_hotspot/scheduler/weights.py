"""``HotspotWeigher``: prefers hosts further from being hot.

From the traits the nova-hotspot agent keeps on each host's resource
provider: a host with none weighs 1, one with ``CUSTOM_HOTSPOT_NEAR`` (its
use reached ``[hotspot] near_fraction`` of a limit) 0.5, one with
``CUSTOM_HOTSPOT_CPU`` or ``CUSTOM_HOTSPOT_MEM`` 0 (the filter refuses
those; without the filter they come last), times
``[hotspot_scheduler] weight_multiplier`` (aggregate metadata
``hotspot_weight_multiplier`` overrides it, as for Nova's weighers). So
the scheduler spreads new servers by use, not only by allocation.

Two Placement reads at most per scheduling request, shared with the
filter (the hot set, which the filter has usually just read, and the
near set), reused for ``[hotspot_scheduler] cache_seconds``. When
Placement cannot be read every host weighs the same (no effect).

Enable it in nova.conf: ``[filter_scheduler] weight_classes`` is one
comma-separated list, Nova's ``nova.scheduler.weights.all_weighers`` then
``nova_hotspot.scheduler.weights.HotspotWeigher`` (doc/scheduler.md).
"""

from nova.scheduler import utils
from nova.scheduler import weights

from nova_hotspot.scheduler import placement

COOL, NEAR, HOT = 2.0, 1.0, 0.0


def score(uuid, hot, near):
    """2 unmarked, 1 near, 0 hot; unknown sets count as unmarked."""
    if hot is not None and uuid in hot:
        return HOT
    if near is not None and uuid in near:
        return NEAR
    return COOL


class HotspotWeigher(weights.BaseHostWeigher):
    minval = HOT
    maxval = COOL

    def weight_multiplier(self, host_state):
        return utils.get_weight_multiplier(
            host_state, 'hotspot_weight_multiplier',
            placement.CONF[placement.GROUP].weight_multiplier)

    def weigh_objects(self, weighed_obj_list, weight_properties):
        hot = placement.HOT.get(weight_properties)
        near = placement.NEAR.get(weight_properties)
        return [score(obj.obj.uuid, hot, near) for obj in weighed_obj_list]

    def _weigh_object(self, host_state, weight_properties):
        return score(host_state.uuid,
                     placement.HOT.get(weight_properties),
                     placement.NEAR.get(weight_properties))
