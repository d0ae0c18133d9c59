"""Nova scheduler plugins: new boots and moves avoid the hosts the agent
marks hot in Placement (see doc/scheduler.md).

- ``filters.HotspotFilter`` (``[filter_scheduler] enabled_filters``): a
  host whose resource provider carries ``CUSTOM_HOTSPOT_CPU`` or
  ``CUSTOM_HOTSPOT_MEM`` does not pass;
- ``weights.HotspotWeigher`` (``[filter_scheduler] weight_classes``):
  prefers unmarked hosts to ``CUSTOM_HOTSPOT_NEAR`` hosts to hot ones.

These modules run inside nova-scheduler: they import nova (its CONF, its
Placement credentials in ``[placement]``) and, of nova_hotspot, only pure
helpers (``core.marks``, ``scheduler.cache``); never the agent's
dependencies (openstacksdk directly, stevedore, futurist, tooz, numpy,
prometheus_client).
"""
