"""k-of-n detection: core/history.py HotHistory."""

import pytest

from nova_hotspot import exceptions
from nova_hotspot.core.history import HotHistory
from nova_hotspot.strategies import cure
from nova_hotspot.strategies import paper_fast
from tests.unit.cluster_builders import table_cluster

HOT = table_cluster('''
    h1 10/100 | a 6/10/1 master@g, b 5/10/1
    h2 10/100
''')
COOL = table_cluster('''
    h1 10/100 | a 6/10/1 master@g, b 3/10/1
    h2 10/100
''')


def test_k_equals_n_equals_1_acts_on_every_hot_host_like_the_paper():
    history = HotHistory(1, 1)
    history.record(HOT)
    assert history.persistent() == {'h1'}
    history.record(COOL)
    assert history.persistent() == set()


def test_two_of_three_waits_for_the_second_hot_sample_and_slides():
    history = HotHistory(k=2, n=3)
    history.record(HOT)
    assert history.persistent() == set()       # one spike: no action
    history.record(COOL)
    history.record(HOT)
    assert history.persistent() == {'h1'}       # hot, cool, hot
    history.record(COOL)
    assert history.persistent() == set()       # cool, hot, cool


def test_restart_with_no_history_does_not_act_on_one_sample():
    history = HotHistory(k=3, n=5)              # a fresh agent
    assert history.persistent() == set()
    history.record(HOT)
    sources = history.persistent({'h1'})
    for strategy in (paper_fast.FastPaperStrategy(), cure.CureStrategy()):
        plan = strategy.plan(HOT, sources=sources)
        assert plan.migrations == ()
        assert [u.host for u in plan.unresolved] == ['h1']


def test_persistent_is_limited_to_the_given_hosts():
    history = HotHistory(1, 2)
    history.record_hot({'h1', 'h9'})
    assert history.persistent({'h1', 'h2'}) == {'h1'}
    assert len(history) == 1


@pytest.mark.parametrize('k, n', [(0, 1), (3, 2), (1, 0), (1.5, 2),
                                  (True, 2)])
def test_bad_k_or_n_is_a_config_error(k, n):
    with pytest.raises(exceptions.ConfigError):
        HotHistory(k, n)
