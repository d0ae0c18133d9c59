"""The agent's options for the scheduler side (issue 12), in ``[hotspot]``:
whether it publishes its verdict as traits in Placement, and what "near
the threshold" means. The scheduler plugins' own options are in
``[hotspot_scheduler]`` (nova_hotspot/scheduler/placement.py, registered
on nova's CONF inside nova-scheduler).

Registered by ``conf.register_opts`` and, for callers that register
``[hotspot]`` alone, by the agent's publisher (nova_hotspot/agent/
marks.py); listed by ``conf.opts.list_opts`` for the generator.
"""

import dataclasses

from oslo_config import cfg

from nova_hotspot.conf import values as values_mod
from nova_hotspot.conf.values import GROUP_NAME

OPTS = [
    cfg.BoolOpt('publish_traits', default=True, mutable=True,
                help='Publish the verdict in Placement for the Nova '
                     'scheduler: the trait CUSTOM_HOTSPOT_CPU (or '
                     'CUSTOM_HOTSPOT_MEM) on the resource provider of a '
                     'host hot by CPU (memory) in hot_samples_required of '
                     'the last hot_samples_window cycles, CUSTOM_HOTSPOT_NEAR '
                     'on a host not marked hot whose use reached '
                     'near_fraction of a limit; removed when that no longer '
                     'holds. Also in dry run. Read by nova_hotspot.scheduler.'
                     'filters.HotspotFilter and weights.HotspotWeigher (or a '
                     'flavor\'s trait:CUSTOM_HOTSPOT_CPU=forbidden). False: '
                     'the agent removes the marks it set and sets none.'),
    cfg.FloatOpt('near_fraction', default=0.9, mutable=True,
                 help='A host whose CPU or memory use reached this fraction '
                      'of its limit (threshold x capacity) in the latest '
                      'cycle, and that is not marked hot, carries '
                      'CUSTOM_HOTSPOT_NEAR (the weigher prefers other '
                      'hosts). In (0, 1]; 1 marks only hosts over a limit '
                      'for fewer than hot_samples_required cycles.'),
]


@dataclasses.dataclass(frozen=True)
class MarkOptions:
    publish_traits: bool
    near_fraction: float


def register_opts(conf):
    """Register OPTS in ``[hotspot]`` (again is harmless)."""
    conf.register_opts(OPTS, group=GROUP_NAME)


def list_opts():
    return [(GROUP_NAME, OPTS)]


def load(conf):
    """Read and check the options; one-line ConfigError naming the option
    on a bad value."""
    values = {opt.dest: values_mod.read(conf, opt.dest) for opt in OPTS}
    fraction = values['near_fraction']
    if not 0.0 < fraction <= 1.0:
        raise values_mod.bad('near_fraction',
                             f'must be in (0, 1], got {fraction!r}')
    return MarkOptions(**values)
