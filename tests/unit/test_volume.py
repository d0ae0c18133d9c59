"""Strategy volume (Sandpiper's baseline)."""

from nova_hotspot import compare
from nova_hotspot.core import validate
from nova_hotspot.strategies import volume
from tests.unit.cluster_builders import table_cluster


def test_highest_volume_to_size_first_even_when_it_does_not_help():
    # CPU-hot h1. a uses no CPU but much memory for little data: the
    # highest volume-to-size ratio, so Sandpiper moves it first (the
    # paper's "mis-migration"), then b to cure the CPU.
    cluster = table_cluster('''
        h1 10/100 | a 0/80/1, b 6/10/50, c 5/5/60
        h2 10/100
        h3 10/100 | x 5/50/1
    ''')
    plan = volume.VolumeStrategy().plan(cluster)
    assert validate.validate_plan(cluster, plan) == []
    assert [m.server for m in plan.migrations][0] == 'a'
    m = compare.measure(cluster, plan)
    assert m.hot_after == 0 and m.mis_migrations == 1


def test_least_volume_target_and_group_rule():
    # h2 is emptier than h3 but holds a's group mate: a goes to h3.
    cluster = table_cluster('''
        h1 10/100 | a 5/10/1 slave@g, b 6/10/1 pinned
        h2 10/100 | m 1/10/1 master@g
        h3 10/100 | x 3/30/1
    ''')
    plan = volume.VolumeStrategy().plan(cluster)
    assert [(m.server, m.target) for m in plan.migrations] == [('a', 'h3')]
