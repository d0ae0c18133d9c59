"""Run by tests/unit/test_scheduler_plugins.py with nova's Python (the
minicloud's nova virtualenv): the plugins as nova-scheduler loads them,
on plain host states, Placement's answer given as plain data. Prints one
JSON object of findings."""

import json
import sys
import types

import nova.conf
import nova.objects
import nova.scheduler.filters
import nova.scheduler.utils
import nova.scheduler.weights
import nova.utils
from nova.scheduler import weights as nova_weights

nova.objects.register_all()
before = set(sys.modules)
from nova_hotspot.scheduler import filters  # noqa: E402
from nova_hotspot.scheduler import placement  # noqa: E402
from nova_hotspot.scheduler import weights  # noqa: E402

found = {'new_modules': sorted(m for m in set(sys.modules) - before
                               if m.split('.')[0] != 'nova_hotspot')}

# The class paths nova's loader resolves from nova.conf.
loader = nova.scheduler.filters.HostFilterHandler()
classes = loader.get_matching_classes(
    ['nova_hotspot.scheduler.filters.HotspotFilter'])
found['filter_loaded'] = classes == [filters.HotspotFilter]
wloader = nova_weights.HostWeightHandler()
classes = wloader.get_matching_classes(
    ['nova_hotspot.scheduler.weights.HotspotWeigher'])
found['weigher_loaded'] = classes == [weights.HotspotWeigher]

conf = nova.conf.CONF
conf([], project='nova')
found['options'] = {
    name: conf.hotspot_scheduler[name]
    for name in ('cache_seconds', 'weight_multiplier', 'endpoint_override')}

reads = {'hot': 0, 'near': 0}
answer = {'hot': {'u3'}, 'near': {'u2'}, 'down': False}


def fetcher(kind):
    def fetch():
        reads[kind] += 1
        if answer['down']:
            raise ConnectionError('Connection refused')
        return answer[kind]
    return fetch


placement.HOT._fetch = fetcher('hot')
placement.NEAR._fetch = fetcher('near')
conf.set_override('cache_seconds', 0, group='hotspot_scheduler')

hosts = [types.SimpleNamespace(host=f'h{i}', nodename=f'h{i}', uuid=f'u{i}',
                               aggregates=[])
         for i in range(1, 11)]


def request(rebuild=False):
    spec = nova.objects.RequestSpec()
    spec.scheduler_hints = {'_nova_check_type': ['rebuild']} if rebuild \
        else {}
    return spec


handler = loader
flt = filters.HotspotFilter()


def passing(spec, index=0):
    return [h.host for h in handler.get_filtered_objects(
        [flt], hosts, spec, index)]


spec = request()
found['passing'] = passing(spec)
found['passing_second_instance'] = passing(spec, 1)
found['hot_reads_for_one_request'] = reads['hot']
found['host_passes_h3'] = flt.host_passes(hosts[2], spec)
found['rebuild_passing'] = passing(request(rebuild=True))
found['hot_reads_after_rebuild'] = reads['hot']

weighed = wloader.get_weighed_objects([weights.HotspotWeigher()], hosts[:4],
                                      spec)
found['weights'] = {w.obj.host: w.weight for w in weighed}
found['reads_after_weighing'] = dict(reads)

answer['down'] = True
down = request()
found['passing_placement_down'] = passing(down)
weighed = wloader.get_weighed_objects([weights.HotspotWeigher()], hosts[:4],
                                      down)
found['weights_placement_down'] = sorted({w.weight for w in weighed})

conf.set_override('weight_multiplier', 3.0, group='hotspot_scheduler')
answer['down'] = False
weighed = wloader.get_weighed_objects([weights.HotspotWeigher()], hosts[:4],
                                      request())
found['weights_multiplier_3'] = {w.obj.host: w.weight for w in weighed}
print(json.dumps(found))
