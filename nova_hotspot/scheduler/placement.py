"""Inside nova-scheduler: the ``[hotspot_scheduler]`` options (on nova's
CONF) and the reading of the marked resource providers from Placement,
with nova's own Placement credentials (``[placement]``).

One request per set: ``GET /resource_providers?required=in:A,B`` at
microversion 1.39 (the first with ``in:``); the answer lists every
provider carrying any of the traits, so the hot set is one query whatever
the number of hosts.
"""

import urllib.parse

import nova.conf
from nova import utils as nova_utils
from oslo_config import cfg

from nova_hotspot.core import marks
from nova_hotspot.scheduler import cache

CONF = nova.conf.CONF
GROUP = 'hotspot_scheduler'
#: ``required=in:`` needs Placement microversion 1.39 (Yoga).
MICROVERSION = '1.39'

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

CONF.register_opts(OPTS, group=GROUP)


def list_opts():
    return [(GROUP, OPTS)]


_adapter = None


def _placement():
    """An SDK adapter to Placement made from nova's ``[placement]``
    options, as nova's own report client makes it (built once)."""
    global _adapter
    if _adapter is None:
        _adapter = nova_utils.get_sdk_adapter('placement', admin=True)
    return _adapter


class PlacementUnreadable(Exception):
    pass


def providers_with_any(traits):
    """The uuids of the resource providers carrying any of ``traits``."""
    query = urllib.parse.urlencode({'required': 'in:' + ','.join(traits)},
                                   safe=':,')
    kwargs = {'microversion': MICROVERSION, 'raise_exc': False}
    if CONF[GROUP].endpoint_override:
        kwargs['endpoint_override'] = CONF[GROUP].endpoint_override
    resp = _placement().get(f'/resource_providers?{query}', **kwargs)
    if resp.status_code == 400 and 'No such trait' in resp.text:
        # The agent has never run (it creates its traits): none marked.
        return frozenset()
    if resp.status_code != 200:
        raise PlacementUnreadable(
            f'GET /resource_providers?{query}: HTTP {resp.status_code} '
            f'{resp.text[:200]}')
    return frozenset(rp['uuid'] for rp in resp.json()['resource_providers'])


def _ttl():
    return CONF[GROUP].cache_seconds


#: Shared by the filter and the weigher (one read serves both).
HOT = cache.MarkedProviders(
    'the hot hosts (' + ', '.join(marks.HOT_TRAITS) + ')',
    lambda: providers_with_any(marks.HOT_TRAITS), _ttl)
NEAR = cache.MarkedProviders(
    f'the hosts near hot ({marks.NEAR_TRAIT})',
    lambda: providers_with_any((marks.NEAR_TRAIT,)), _ttl,
    meanwhile='no host is weighed down as near hot')
