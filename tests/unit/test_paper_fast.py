"""The registered ``paper`` (strategies/paper_fast.py) must return exactly
the plans of the straightforward implementation (the oracle,
tests/unit/paper_oracle.py): same moves, same order, bit-identical scores,
same reasons."""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from benchmarks import generate
from nova_hotspot import plugins
from nova_hotspot.strategies import paper_fast
from tests.unit import cluster_builders  # noqa: F401  (sys.path for
from tests.unit import paper_oracle as paper
from tests.unit.cluster_builders import clusters  # the benchmarks package)


def assert_same_plan(cluster, sources=None):
    expected = paper.PaperStrategy().plan(cluster, sources=sources)
    got = paper_fast.FastPaperStrategy().plan(cluster, sources=sources)
    assert got.migrations == expected.migrations
    # == on floats would accept -0.0 for 0.0: compare the bits.
    assert [m.score.hex() for m in got.migrations] == \
        [m.score.hex() for m in expected.migrations]
    assert got.unresolved == expected.unresolved
    assert got.strategy == expected.strategy == 'paper'
    return expected


def test_registered_paper_is_the_fast_one():
    assert isinstance(plugins.load_strategy('paper'),
                      paper_fast.FastPaperStrategy)


@settings(max_examples=100, deadline=None)
@given(clusters(), st.data())
def test_same_plan_as_the_oracle_on_random_small_clusters(cluster, data):
    sources = data.draw(st.none() | st.sets(
        st.sampled_from([h.name for h in cluster.hosts])))
    assert_same_plan(cluster, sources)


def test_same_plan_as_the_oracle_on_generated_clusters():
    moved = 0
    for seed in range(12):
        cluster = generate.generate(hosts=60, servers_per_host=12,
                                    hot_fraction=0.3, seed=seed)
        moved += len(assert_same_plan(cluster).migrations)
    # The clusters must exercise the restart logic, not only no-ops.
    assert moved > 12


def test_figure2_rescan_after_a_move_frees_a_stuck_host():
    # h1 is hot first but stuck: its master a may not join h3, which holds
    # a slave of g1, and h2 is hot. h2's move to h3 frees h2, and only then
    # can a go there. The oracle finds it by rescanning from the first host;
    # the fast one only rechecks h1 against the freed h2.
    from tests.unit.cluster_builders import table_cluster
    cluster = table_cluster('''
        h1 10/100 | a 6/10/1 master@g1, b 5/10/1
        h2 10/100 | c 8/10/1 master@g2, d 3/10/1
        h3 10/100 | e 1/10/1 slave@g1
    ''')
    plan = assert_same_plan(cluster)
    assert [(m.server, m.target) for m in plan.migrations] == \
        [('c', 'h3'), ('a', 'h2')]
