"""collect.inventories.InventoryCache: an inventory is read again only
when its provider's generation moved; plus the API call names the
counter and the metric use."""

import pytest

from nova_hotspot.cloud.connection import call_name
from nova_hotspot.collect.inventories import InventoryCache


def cycle(cache, providers, generations, placement):
    """One collection's inventory step: what the cache reuses, what is
    read (from ``placement``: {uuid: inventory}) and kept."""
    split = cache.split(providers, generations)
    for uuid in split.to_read:
        cache.keep(uuid, generations[uuid], placement[uuid])
    return sorted(split.reused), split.to_read


PLACEMENT = {'rp1': 'inv1', 'rp2': 'inv2', 'rp3': 'inv3'}


# (cycles: [(providers, generations)], expected per cycle: (reused, read))
CASES = {
    'first cycle reads all, the second none': (
        [(['rp1', 'rp2', 'rp3'], {'rp1': 1, 'rp2': 5, 'rp3': 2})] * 2,
        [([], ['rp1', 'rp2', 'rp3']), (['rp1', 'rp2', 'rp3'], [])]),
    'a moved generation (an allocation, a new inventory) is read again': (
        [(['rp1', 'rp2'], {'rp1': 1, 'rp2': 5}),
         (['rp1', 'rp2'], {'rp1': 1, 'rp2': 6}),
         (['rp1', 'rp2'], {'rp1': 1, 'rp2': 6})],
        [([], ['rp1', 'rp2']), (['rp1'], ['rp2']), (['rp1', 'rp2'], [])]),
    'a provider Placement does not list is neither reused nor read': (
        [(['rp1', 'rp2'], {'rp1': 1, 'rp2': 1}),
         (['rp1', 'rp2'], {'rp1': 1}),
         (['rp1', 'rp2'], {'rp1': 1, 'rp2': 1})],
        [([], ['rp1', 'rp2']), (['rp1'], []), (['rp1'], ['rp2'])]),
    'a hypervisor gone is forgotten; back, it is read again': (
        [(['rp1', 'rp2'], {'rp1': 1, 'rp2': 1}),
         (['rp1'], {'rp1': 1, 'rp2': 1}),
         (['rp1', 'rp2'], {'rp1': 1, 'rp2': 1})],
        [([], ['rp1', 'rp2']), (['rp1'], []), (['rp1'], ['rp2'])]),
    'a provider without a generation is read every cycle': (
        [(['rp1'], {'rp1': None})] * 2,
        [([], ['rp1']), ([], ['rp1'])]),
}


@pytest.mark.parametrize('name', CASES)
def test_inventory_cache(name):
    cycles, expected = CASES[name]
    cache = InventoryCache()
    got = [cycle(cache, providers, generations, PLACEMENT)
           for providers, generations in cycles]
    assert got == expected


def test_reused_inventory_is_the_one_read_at_that_generation():
    cache = InventoryCache()
    cycle(cache, ['rp1'], {'rp1': 3}, {'rp1': 'old'})
    assert cache.split(['rp1'], {'rp1': 3}).reused == {'rp1': 'old'}
    cycle(cache, ['rp1'], {'rp1': 4}, {'rp1': 'new'})
    assert cache.split(['rp1'], {'rp1': 4}).reused == {'rp1': 'new'}
    assert len(cache) == 1


@pytest.mark.parametrize('method, url, name', [
    ('GET', 'http://127.0.0.1:8778/resource_providers/'
     '4f1e6e8a-3c5b-4b7e-9d2a-0c1b2a3d4e5f/inventories',
     'GET 8778/resource_providers/{id}/inventories'),
    ('GET', 'http://127.0.0.1:8778/resource_providers',
     'GET 8778/resource_providers'),
    ('GET', 'http://127.0.0.1:8774/v2.1/servers/detail?all_tenants=1'
     '&limit=1000&marker=4f1e6e8a-3c5b-4b7e-9d2a-0c1b2a3d4e5f',
     'GET 8774/v2.1/servers/detail'),
    ('POST', 'http://127.0.0.1:8774/v2.1/servers/'
     '4f1e6e8a3c5b4b7e9d2a0c1b2a3d4e5f/action',
     'POST 8774/v2.1/servers/{id}/action'),
    ('GET', 'http://127.0.0.1:8774/v2.1/os-migrations/17',
     'GET 8774/v2.1/os-migrations/{id}'),
    ('POST', 'https://cloud.example/identity/v3/auth/tokens',
     'POST /identity/v3/auth/tokens'),
])
def test_call_names_keep_one_series_per_call(method, url, name):
    assert call_name(method, url) == name
