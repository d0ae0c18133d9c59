"""core.order.worst_first: moves off the hottest hosts first, the plan
still valid (a move onto a host stays after the moves that leave it)."""

import pytest

from nova_hotspot.core import order
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.core import validate
from tests.unit.cluster_builders import table_cluster

# h1 is 130 % full, h2 110 %, h3 150 %; t1, t2 have room; f is full but
# not hot, so a move onto it needs the move off it first.
CLUSTER = """
h1 10/100 | a 7/10/1, b 6/10/1
h2 10/100 | c 6/10/1, d 5/10/1
h3 10/100 | e 8/10/1, g 7/10/1
t1 20/100 |
t2 20/100 |
f  10/100 | x 9/10/1
"""


def moves(*triples):
    return tuple(plan_mod.Migration(s, src, dst) for s, src, dst in triples)


# (the plan's moves, the servers in worst-first order)
CASES = {
    'hottest source first, plan order among one host': (
        moves(('c', 'h2', 't1'), ('a', 'h1', 't1'), ('e', 'h3', 't2'),
              ('g', 'h3', 't2')),
        ['e', 'g', 'a', 'c']),
    'a move onto f waits for the move off f, which takes its rank': (
        moves(('c', 'h2', 't1'), ('x', 'f', 't2'), ('e', 'h3', 'f')),
        ['x', 'e', 'c']),
    'a move off f after the move onto f is no dependency': (
        moves(('a', 'h1', 't1'), ('e', 'h3', 't2')),
        ['e', 'a']),
}


@pytest.mark.parametrize('name', CASES)
def test_worst_first(name):
    migrations, expected = CASES[name]
    cluster = table_cluster(CLUSTER)
    plan = plan_mod.Plan('test', migrations, source_margin=0.1)
    assert validate.validate_plan(cluster, plan) == []
    ordered = order.worst_first(cluster, plan)
    assert [m.server for m in ordered.migrations] == expected
    assert validate.validate_plan(cluster, ordered) == []
    assert (ordered.strategy, ordered.source_margin) == ('test', 0.1)


def test_the_room_a_move_needs_is_made_before_it():
    """Plan order would fail the other way round: f has room for e only
    once x has left it."""
    cluster = table_cluster(CLUSTER)
    needs_room = plan_mod.Plan('test', moves(('e', 'h3', 'f'),
                                             ('x', 'f', 't2')))
    assert validate.validate_plan(cluster, needs_room) != []
    ordered = order.worst_first(cluster, plan_mod.Plan('test', moves(
        ('x', 'f', 't2'), ('e', 'h3', 'f'))))
    assert [m.server for m in ordered.migrations] == ['x', 'e']


def test_heat_is_the_worst_resource_over_its_limit():
    assert order.heat(table_cluster(CLUSTER)) == pytest.approx(
        {'h1': 1.3, 'h2': 1.1, 'h3': 1.5})
