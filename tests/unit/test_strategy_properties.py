"""Properties every registered strategy keeps on random clusters."""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova_hotspot import compare
from nova_hotspot import plugins
from nova_hotspot.core import validate
from tests.unit.cluster_builders import clusters

NAMES = plugins.names(plugins.STRATEGIES)


@settings(max_examples=40, deadline=None)
@given(clusters(), st.data())
def test_every_plan_is_valid_and_deterministic(cluster, data):
    sources = data.draw(st.none() | st.sets(
        st.sampled_from([h.name for h in cluster.hosts])))
    for name in NAMES:
        plan = plugins.load_strategy(name).plan(cluster, sources=sources)
        assert validate.validate_plan(cluster, plan) == [], name
        again = plugins.load_strategy(name).plan(cluster, sources=sources)
        assert again == plan, name
        if sources is not None:
            assert {m.source for m in plan.migrations} <= sources, name
        m = compare.measure(cluster, plan)
        assert m.new_hot == 0 and m.anti_affinity_breaks == 0, name
        if name in ('cure', 'paper'):
            assert m.mis_migrations == 0, name


def test_the_strategies_of_issue_4_are_registered():
    assert {'paper', 'cure', 'volume'} <= set(NAMES)
