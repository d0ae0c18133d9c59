"""The ``[hotspot_scheduler]`` options of the scheduler plugins (read by
nova-scheduler from its nova.conf; registered on nova's CONF by
``scheduler.placement``). Here, apart from nova, so that the sample
config and the configuration reference can list them where nova is not
installed (``oslo.config.opts`` namespace ``nova_hotspot.scheduler``).
"""

from oslo_config import cfg

GROUP = 'hotspot_scheduler'
OPTS = [
    cfg.IntOpt('cache_seconds', default=5, min=0, mutable=True,
               help='How long the set of marked resource providers read '
                    'from Placement is reused across scheduling requests '
                    '(seconds). Placement is read at most once per '
                    'scheduling request whatever this is; 0 reads it '
                    'for every request.'),
    cfg.FloatOpt('weight_multiplier', default=1.0, mutable=True,
                 help='Multiplier of HotspotWeigher: a host without a '
                      'hotspot trait weighs 1, a CUSTOM_HOTSPOT_NEAR host '
                      '0.5, a hot one 0, times this (like '
                      'ram_weight_multiplier; 1.0 weighs as much as Nova\'s '
                      'RAM weigher at its default). A negative value '
                      'prefers hot hosts. The aggregate metadata key '
                      'hotspot_weight_multiplier overrides it per '
                      'aggregate.'),
    cfg.StrOpt('endpoint_override', mutable=True,
               help='Placement URL the hotspot filter and weigher read, '
                    'when it is not the one of the service catalog that '
                    '[placement] finds (e.g. a read replica behind its own '
                    'URL). Unset: the catalog\'s.'),
]
# All three are mutable (nova-scheduler re-reads them on SIGHUP) and read
# at each request.



def list_opts():
    return [(GROUP, OPTS)]
