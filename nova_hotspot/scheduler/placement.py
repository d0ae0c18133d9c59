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

from nova_hotspot.core import marks
from nova_hotspot.scheduler import cache
from nova_hotspot.scheduler.options import GROUP
from nova_hotspot.scheduler.options import OPTS

CONF = nova.conf.CONF
#: ``required=in:`` needs Placement microversion 1.39 (Yoga).
MICROVERSION = '1.39'

CONF.register_opts(OPTS, group=GROUP)


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
