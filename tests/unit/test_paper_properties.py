"""Strategy ``paper`` on random clusters: the moves of the algorithm as
written, plans the validator accepts, and determinism."""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova_hotspot import plugins
from nova_hotspot.core import detect
from nova_hotspot.core import load
from nova_hotspot.core import snapshot
from nova_hotspot.core import validate
from tests.unit import paper_oracle as paper
from tests.unit.clusters import moves
from tests.unit.paper_as_written import plan_as_written


@st.composite
def snapshots(draw, max_hosts=8, max_servers=30):
    """Random snapshots in the documented format. Usages are whole numbers
    and thresholds exact binary fractions, so that sums are exact and the
    comparison with the oracle is not about float rounding."""
    n_hosts = draw(st.integers(2, max_hosts))
    hosts = [{'name': f'h{i}',
              'vcpus': draw(st.sampled_from([40, 100, 200])),
              'memory_mb': draw(st.sampled_from([1024, 2048, 4096])),
              'cpu_threshold': draw(st.sampled_from([0.5, 0.75, 1.0])),
              'mem_threshold': draw(st.sampled_from([0.5, 0.75, 1.0])),
              'enabled': draw(st.sampled_from([True, True, True, False]))}
             for i in range(n_hosts)]
    servers = []
    for k in range(draw(st.integers(0, max_servers))):
        group = draw(st.sampled_from([None, 'g0', 'g1', 'g2', 'g3']))
        role = draw(st.sampled_from(['master', 'master', 'slave', None]))
        servers.append({
            'id': f's{k}',
            'host': f'h{draw(st.integers(0, n_hosts - 1))}',
            'vcpus': 8, 'memory_mb': 1024,
            'cpu': draw(st.integers(0, 40)),
            'mem': draw(st.integers(0, 800)),
            'data_mb': draw(st.integers(1, 5000)),
            'role': role, 'group': group})
    return {'hosts': hosts, 'servers': servers}


@settings(max_examples=400, deadline=None)
@given(snapshots())
def test_paper_makes_the_moves_of_the_algorithm_as_written(snap):
    # Both the straightforward implementation and the registered (fast)
    # plugin an operator gets with --strategy paper.
    plan = paper.PaperStrategy().plan(snapshot.from_dict(snap))
    assert moves(plan) == plan_as_written(snap)
    registered = plugins.load_strategy('paper').plan(
        snapshot.from_dict(snap))
    assert moves(registered) == moves(plan)


@settings(max_examples=300, deadline=None)
@given(snapshots())
def test_every_paper_plan_passes_the_validator(snap):
    cluster = snapshot.from_dict(snap)
    plan = paper.PaperStrategy().plan(cluster)
    assert validate.validate_plan(cluster, plan) == []


@settings(max_examples=300, deadline=None)
@given(snapshots())
def test_paper_cures_one_hotspot_per_move_and_creates_none(snap):
    cluster = snapshot.from_dict(snap)
    plan = paper.PaperStrategy().plan(cluster)
    hot_before = {h.host for h in detect.detect(cluster)}
    for m in plan.migrations:
        assert cluster.server(m.server).is_master
        assert m.source in hot_before
    state = load.replay(cluster, plan)
    hot_after = {h.host for h in detect.find_hotspots(state)}
    assert hot_after <= hot_before
    assert len(hot_before) - len(hot_after) == len(plan.migrations)
    assert {u.host for u in plan.unresolved} == hot_after


@settings(max_examples=100, deadline=None)
@given(snapshots())
def test_same_input_same_plan(snap):
    first = paper.PaperStrategy().plan(snapshot.from_dict(snap))
    second = paper.PaperStrategy().plan(snapshot.from_dict(snap))
    assert first == second
