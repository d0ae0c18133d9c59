"""Strategy ``paper``: section 2.3 of the paper, case by case.

Each case is a small cluster and the moves the algorithm as written makes
on it. Hosts have 100 vCPUs and 1000 MB unless said; thresholds 0.8.
"""

import json
import math
import pathlib

import pytest

from nova_hotspot import plugins
from nova_hotspot.core import load
from nova_hotspot.core import snapshot
from nova_hotspot.core import validate
from nova_hotspot.strategies import paper_score
from tests.unit import paper_oracle as paper
from tests.unit.clusters import cluster
from tests.unit.clusters import host
from tests.unit.clusters import master
from tests.unit.clusters import moves
from tests.unit.clusters import slave
from tests.unit.clusters import vm

EXAMPLES = pathlib.Path(__file__).parents[2] / 'examples'

CASES = [
    ('no hotspot: nothing moves',
     [host('A'), host('B')],
     [master('M1', 'A', cpu=50), vm('X', 'B', cpu=70)],
     []),
    ('CPU-only hotspot: the master goes to the host with room',
     [host('A'), host('B'), host('C')],
     [master('M1', 'A', cpu=30, mem=10), vm('X', 'A', cpu=60, mem=10),
      vm('Y', 'B', cpu=70), vm('Z', 'C', cpu=10)],
     [('M1', 'A', 'C')]),
    ('memory-only hotspot is judged on its own',
     [host('A'), host('B')],
     [master('M1', 'A', cpu=5, mem=300), vm('X', 'A', cpu=5, mem=600),
      vm('Y', 'B', cpu=5, mem=100)],
     [('M1', 'A', 'B')]),
    ('hot in both: the move must cure both',
     [host('A'), host('B')],
     [master('M1', 'A', cpu=40, mem=400), vm('X', 'A', cpu=50, mem=500),
      vm('Y', 'B', cpu=10, mem=100)],
     [('M1', 'A', 'B')]),
    ('hot in both, the master cures only CPU: no move',
     [host('A'), host('B')],
     [master('M1', 'A', cpu=40, mem=50), vm('X', 'A', cpu=50, mem=850),
      vm('Y', 'B', cpu=10, mem=100)],
     []),
    ('hot host with no master stays hot',
     [host('A'), host('B')],
     [slave('S1', 'A', of='M9', cpu=50), vm('X', 'A', cpu=40),
      vm('Y', 'B')],
     []),
    ('a target holding a slave of the master is never chosen',
     [host('A'), host('B'), host('C')],
     [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40),
      slave('S1', 'B', of='M1', cpu=5), vm('Y', 'C', cpu=25)],
     [('M1', 'A', 'C')]),
    ('the only target with room holds a slave: no move',
     [host('A'), host('B'), host('C')],
     [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40),
      slave('S1', 'B', of='M1', cpu=5), vm('Y', 'C', cpu=60)],
     []),
    ('a hotspot one move cannot cure stays hot',
     [host('A'), host('B'), host('C')],
     [master('M1', 'A', cpu=20), master('M2', 'A', cpu=20),
      vm('X', 'A', cpu=70), vm('Y', 'B'), vm('Z', 'C')],
     []),
    ('only masters move, even when a slave would cure',
     [host('A'), host('B')],
     [slave('S1', 'A', of='M9', cpu=60), master('M1', 'A', cpu=5),
      vm('X', 'A', cpu=30)],
     []),
    ('the source must end strictly under its threshold',
     [host('A'), host('B')],
     # 90 - 10 = 80: exactly at the limit is not cured (t.cpu + cap > 0).
     [master('M1', 'A', cpu=10), vm('X', 'A', cpu=80)],
     []),
    ('the target must stay strictly under its threshold',
     [host('A'), host('B')],
     # B: 30 + 50 = 80, exactly at the limit: not a target.
     [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40), vm('Y', 'B', cpu=30)],
     []),
    ('a target must have room in both resources beforehand',
     [host('A'), host('B'), host('C')],
     [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40),
      vm('Y', 'B', cpu=0, mem=800), vm('Z', 'C', cpu=20)],
     [('M1', 'A', 'C')]),
    ('the lowest c wins: the target with the most room',
     [host('A'), host('B'), host('C')],
     [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40),
      vm('Y', 'B', cpu=20), vm('Z', 'C', cpu=5)],
     [('M1', 'A', 'C')]),
    ('c is divided by datasize: with negative c the smaller copy wins',
     [host('A'), host('B')],
     [master('M1', 'A', cpu=20, data=8000),
      master('M2', 'A', cpu=20, data=1000, group='g-M2'),
      vm('X', 'A', cpu=50)],
     [('M2', 'A', 'B')]),
    ('ties: the first target host in snapshot order wins',
     [host('A'), host('C'), host('B')],
     [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40),
      vm('Y', 'C', cpu=10), vm('Z', 'B', cpu=10)],
     [('M1', 'A', 'C')]),
    ('ties: then the first server in snapshot order wins',
     [host('A'), host('B')],
     [master('M2', 'A', cpu=20), master('M1', 'A', cpu=20),
      vm('X', 'A', cpu=50)],
     [('M2', 'A', 'B')]),
    ('after a move the scan starts again at the first host',
     # A is stuck at first (its only roomy host C holds its slave); curing
     # B frees room on B, which A then uses.
     [host('A', cpu_th=1), host('B', cpu_th=1), host('C', cpu_th=1)],
     [master('M1', 'A', cpu=60), vm('X', 'A', cpu=50),
      master('M2', 'B', cpu=70), vm('Y', 'B', cpu=35),
      slave('S1', 'C', of='M1', cpu=20)],
     [('M2', 'B', 'C'), ('M1', 'A', 'B')]),
    ('several hotspots, each cured in host order',
     [host('A'), host('B'), host('C'), host('D')],
     [master('M1', 'A', cpu=30), vm('X', 'A', cpu=60),
      master('M2', 'B', cpu=20), vm('Y', 'B', cpu=65),
      vm('Z', 'C', cpu=10), vm('W', 'D', cpu=15)],
     [('M1', 'A', 'C'), ('M2', 'B', 'D')]),
    ('a disabled host is never a target',
     [host('A'), host('B', enabled=False), host('C')],
     [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40), vm('Z', 'C', cpu=20)],
     [('M1', 'A', 'C')]),
    ('a master that is not ACTIVE or is pinned does not move',
     [host('A'), host('B'), host('C'), host('D')],
     [master('M1', 'A', cpu=50, status='MIGRATING'), vm('X', 'A', cpu=40),
      master('M2', 'B', cpu=50, pinned=True), vm('Y', 'B', cpu=40)],
     []),
]


IMPLEMENTATIONS = {
    'reference': paper.PaperStrategy,
    'registered': lambda: plugins.load_strategy('paper'),
}


@pytest.mark.parametrize('implementation', sorted(IMPLEMENTATIONS))
@pytest.mark.parametrize('hosts, servers, expected',
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_paper_moves(hosts, servers, expected, implementation):
    snap = cluster(hosts, servers)
    plan = IMPLEMENTATIONS[implementation]().plan(snap)
    assert moves(plan) == expected
    assert validate.validate_plan(snap, plan) == []


def test_figure_2_example_gives_m1_to_sv5():
    text = (EXAMPLES / 'figure2.json').read_text()
    snap = snapshot.loads(text)
    plan = paper.PaperStrategy().plan(snap)
    assert moves(plan) == [('M1', 'SV1', 'SV5')]
    assert plan.unresolved == ()


def test_hosts_left_hot_are_reported_with_a_reason():
    snap = cluster(
        [host('A'), host('B'), host('C')],
        [slave('S1', 'A', of='M9', cpu=90),
         master('M1', 'B', cpu=5), vm('X', 'B', cpu=85),
         vm('Y', 'C', cpu=10)])
    plan = paper.PaperStrategy().plan(snap)
    reasons = {u.host: u.reason for u in plan.unresolved}
    assert set(reasons) == {'A', 'B'}
    assert 'no master' in reasons['A']
    assert 'no single master' in reasons['B']


def test_the_reason_of_a_move_names_the_cure_and_the_score():
    snap = snapshot.loads((EXAMPLES / 'figure2.json').read_text())
    (migration,) = paper.PaperStrategy().plan(snap).migrations
    # In words with units; the score c stays out of the words.
    assert migration.reason == (
        'master alone cures SV1 (CPU 90.0 of 80.0 vCPU, memory 3072 of '
        '13107 MiB -> CPU 40.0 of 80.0 vCPU, memory 2048 of 13107 MiB); '
        'SV5 stays under both thresholds (CPU 65.0 of 80.0 vCPU, memory '
        '2048 of 13107 MiB)')
    assert migration.score is not None and math.isfinite(migration.score)


def test_mean_cap_zero_does_not_crash_and_still_plans():
    # CPU caps -10 (A), -30 (B, no master) and +40 (C): their mean is 0,
    # so 1/mu^2 is infinite; the weight falls back to 1/(mean limit)^2.
    snap = cluster(
        [host('A'), host('B'), host('C')],
        [master('M1', 'A', cpu=20, mem=10), vm('X', 'A', cpu=70),
         vm('Y', 'B', cpu=110), vm('Z', 'C', cpu=40)])
    c_cpu, _ = paper_score.resource_weights(load.LoadState(snap))
    assert c_cpu == pytest.approx(1 / 80 ** 2)
    plan = paper.PaperStrategy().plan(snap)
    assert moves(plan) == [('M1', 'A', 'C')]
    assert math.isfinite(plan.migrations[0].score)
    assert [u.host for u in plan.unresolved] == ['B']


def test_empty_cluster_gives_an_empty_plan():
    plan = paper.PaperStrategy().plan(cluster([], []))
    assert plan.migrations == () and plan.unresolved == ()


def test_same_snapshot_same_plan():
    text = json.dumps({'hosts': [host('A'), host('B'), host('C')],
                       'servers': [master('M1', 'A', cpu=50),
                                   vm('X', 'A', cpu=40)]})
    first = paper.PaperStrategy().plan(snapshot.loads(text))
    second = paper.PaperStrategy().plan(snapshot.loads(text))
    assert first == second
