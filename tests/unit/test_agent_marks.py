"""The cycle hook that publishes the verdict (agent/marks.py) and the
trait change of the cloud edge (cloud/traits.py), on plain data: a
Placement that is a dict of provider -> (traits, generation). The real
Placement (and nova-compute writing the same providers) is in
tests/functional/test_scheduler.py."""

import logging
import types

import pytest
from oslo_config import cfg

from nova_hotspot import conf as hotspot_conf
from nova_hotspot import exceptions
from nova_hotspot.agent import marks as marks_hook
from nova_hotspot.cloud import traits as traits_gateway
from nova_hotspot.core import marks
from tests.unit.test_marks import COOL
from tests.unit.test_marks import CPU_HOT as HOT

CPU, MEM, NEAR = marks.CPU_TRAIT, marks.MEM_TRAIT, marks.NEAR_TRAIT
NOVAS = frozenset({'COMPUTE_STATUS_DISABLED', 'HW_CPU_X86_AVX2'})


class Placement(traits_gateway.Traits):
    """The gateway's two calls on a dict; ``race`` writers win first."""

    def __init__(self, providers, race=0):
        super().__init__(conn=None)
        self.providers = {p: (frozenset(t), 1) for p, t in providers.items()}
        self.race = race
        self.writes = 0
        self.down = False
        self.created = set()

    def __call__(self, conn):       # the Publisher's gateway factory
        return self

    def ensure(self, names):
        self.created |= set(names)

    def carrying(self, names):
        if self.down:
            raise exceptions.CloudError('listing resource providers: '
                                        'ConnectFailure: refused')
        return {p: t & set(names) for p, (t, _) in self.providers.items()
                if t & set(names)}

    def read(self, provider):
        if provider not in self.providers:
            return None
        return self.providers[provider]

    def write(self, provider, traits, generation):
        self.writes += 1
        now, gen = self.providers[provider]
        if self.race:
            # nova-compute writes first: the generation moves on.
            self.race -= 1
            self.providers[provider] = (now | {'CUSTOM_NOVA_RACE'}, gen + 1)
            return False
        if generation != gen:
            return False
        self.providers[provider] = (frozenset(traits), gen + 1)
        return True

    def traits(self, provider):
        return self.providers[provider][0]


def make_conf(extra=''):
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf([], project='nova')
    for line in filter(None, extra.split('\n')):
        name, value = (x.strip() for x in line.split('='))
        conf.set_override(name, value, group='hotspot')
    return conf


SETTINGS = types.SimpleNamespace(hot_samples_required=1,
                                 hot_samples_window=1)


def collection(cluster, providers=None):
    providers = providers or {'h1': 'rp1', 'h2': 'rp2'}
    hosts = {h.name: types.SimpleNamespace(hypervisor_id=providers.get(
        h.name)) for h in cluster.hosts}
    return types.SimpleNamespace(cluster=cluster, hosts=hosts)


def publisher(placement, extra=''):
    return marks_hook.Publisher(make_conf(extra), gateway=placement)


CLOUD = types.SimpleNamespace(conn=None)


def test_hot_host_marked_then_unmarked_novas_traits_kept():
    placement = Placement({'rp1': NOVAS, 'rp2': NOVAS})
    pub = publisher(placement)
    assert pub.publish(CLOUD, SETTINGS, collection(HOT)) == {
        'h1': ({CPU}, frozenset())}
    assert placement.traits('rp1') == NOVAS | {CPU}
    assert placement.traits('rp2') == NOVAS
    assert placement.created == set(marks.OWNED_TRAITS)
    assert pub.publish(CLOUD, SETTINGS, collection(COOL)) == {
        'h1': (frozenset(), {CPU})}
    assert placement.traits('rp1') == NOVAS


def test_steady_state_writes_nothing():
    placement = Placement({'rp1': NOVAS, 'rp2': NOVAS})
    pub = publisher(placement)
    pub.publish(CLOUD, SETTINGS, collection(HOT))
    writes = placement.writes
    assert pub.publish(CLOUD, SETTINGS, collection(HOT)) == {}
    assert placement.writes == writes


def test_k_of_n_from_the_agents_window():
    placement = Placement({'rp1': NOVAS, 'rp2': NOVAS})
    pub = publisher(placement)
    window = types.SimpleNamespace(hot_samples_required=2,
                                   hot_samples_window=3)
    pub.publish(CLOUD, window, collection(HOT))
    assert placement.traits('rp1') == NOVAS | {NEAR}     # one spike
    pub.publish(CLOUD, window, collection(HOT))
    assert placement.traits('rp1') == NOVAS | {CPU}


def test_off_removes_the_agents_marks_and_sets_none():
    placement = Placement({'rp1': NOVAS | {CPU}, 'rp2': {MEM, NEAR}})
    pub = publisher(placement, 'publish_traits = false')
    pub.publish(CLOUD, SETTINGS, collection(HOT))
    assert placement.traits('rp1') == NOVAS
    assert placement.traits('rp2') == frozenset()


def test_a_provider_the_agent_no_longer_sees_loses_its_marks():
    placement = Placement({'rp1': NOVAS, 'rp2': NOVAS, 'old': {CPU, NEAR}})
    changed = publisher(placement).publish(CLOUD, SETTINGS, collection(COOL))
    assert changed == {'resource provider old': (frozenset(), {CPU, NEAR})}
    assert placement.traits('old') == frozenset()


def test_a_host_without_a_provider_id_is_left_alone():
    placement = Placement({'rp2': NOVAS})
    pub = publisher(placement)
    assert pub.publish(CLOUD, SETTINGS, collection(HOT, {'h2': 'rp2'})) == {}


def test_placement_down_is_one_warning_and_no_change(caplog):
    placement = Placement({'rp1': NOVAS})
    placement.down = True
    with caplog.at_level(logging.WARNING):
        assert publisher(placement).publish(
            CLOUD, SETTINGS, collection(HOT), number=7) is None
    assert [r.getMessage() for r in caplog.records] == [
        'cycle 7: hotspot traits not published: listing resource '
        'providers: ConnectFailure: refused']


def test_a_provider_gone_between_read_and_write_is_skipped():
    placement = Placement({'rp2': NOVAS})
    # rp1 is in the verdict but Placement does not know it.
    assert publisher(placement).publish(CLOUD, SETTINGS,
                                        collection(HOT)) == {}


def test_bad_near_fraction_stops_the_agent_at_start():
    with pytest.raises(exceptions.ConfigError,
                       match=r'^\[hotspot\] near_fraction: must be in'):
        publisher(Placement({}), 'near_fraction = 1.5')


def test_change_retries_a_concurrent_write_and_keeps_its_trait():
    placement = Placement({'rp1': NOVAS}, race=2)
    assert placement.change('rp1', add={CPU}) is True
    assert placement.traits('rp1') == NOVAS | {CPU, 'CUSTOM_NOVA_RACE'}
    assert placement.writes == 3


def test_change_gives_up_after_its_attempts_with_one_line():
    placement = Placement({'rp1': NOVAS}, race=99)
    with pytest.raises(exceptions.CloudError, match='5 concurrent updates'):
        placement.change('rp1', add={CPU})


def test_change_writes_nothing_when_placement_already_says_so():
    placement = Placement({'rp1': NOVAS | {CPU}})
    assert placement.change('rp1', add={CPU}, remove={MEM}) is False
    assert placement.writes == 0
    assert placement.change('nosuch', add={CPU}) is None
