"""Strategy cure: table-driven clusters, options, and quality against the
exact MILP on small generated clusters."""

import os

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova_hotspot import compare
from nova_hotspot import exceptions
from nova_hotspot import plugins
from nova_hotspot.core import detect
from nova_hotspot.core import load
from nova_hotspot.core import model
from nova_hotspot.core import validate
from nova_hotspot.strategies import base
from nova_hotspot.strategies import cure
from tests.unit.cluster_builders import ROOT
from tests.unit.cluster_builders import clusters
from tests.unit.cluster_builders import table_cluster


def plan_of(text, **options):
    cluster = table_cluster(text)
    plan = cure.CureStrategy(**options).plan(cluster)
    assert validate.validate_plan(cluster, plan) == []
    return cluster, plan


def moved(plan):
    return sorted(m.server for m in plan.migrations)


def test_two_moves_when_one_is_not_enough_cheapest_pair():
    # h1 is 5 over in CPU; no single server sheds 5, every pair does. The
    # cheapest pair by data is b (2) + d (1).
    _, plan = plan_of('''
        h1 10/100 | a 4/10/5, b 4/10/2, c 4/10/3, d 3/10/1
        h2 10/100
        h3 10/100
    ''')
    assert moved(plan) == ['b', 'd']
    assert plan.unresolved == ()


def test_never_moves_a_server_without_use_of_the_hot_resource():
    # CPU-hot h1: a is the cheapest server but uses no CPU (moving it would
    # be a mis-migration); c sheds enough CPU for less data than b.
    cluster, plan = plan_of('''
        h1 10/100 | a 0/50/1, b 7/10/9, c 4/10/8
        h2 10/100
    ''')
    assert moved(plan) == ['c']
    assert compare.measure(cluster, plan).mis_migrations == 0


def test_a_host_brought_exactly_to_its_limit_is_cured():
    # h1 is 4 over in CPU and 1 over in memory. Moving a leaves CPU exactly
    # at its limit (10 of 10: not hot) and memory at 0: one move. Moving b
    # as well would lower nothing that is over its threshold (without a
    # source margin: with one, b also moves, see test_source_margin*).
    cluster, plan = plan_of('''
        h1 10/100 | a 4/101/1, b 10/0/1
        h2 20/200
    ''', source_margin=0)
    assert moved(plan) == ['a']
    assert plan.unresolved == ()
    assert compare.measure(cluster, plan).mis_migrations == 0


def test_group_rule_for_slaves_too():
    # a (a slave) would be cheapest, but every other host holds a member of
    # its group g1: b moves instead.
    _, plan = plan_of('''
        h1 10/100 | a 3/10/1 slave@g1, b 3/10/5, x 6/10/9 pinned
        h2 10/100 | m 1/10/1 master@g1
        h3 10/100 | s 1/10/1 slave@g1
    ''')
    assert moved(plan) == ['b']


def test_movable_roles_limit_what_moves():
    _, plan = plan_of('''
        h1 10/100 | m 6/10/1 master@g1, x 5/10/1 pinned
        h2 10/100
    ''', movable_roles=('slave', 'none'))
    assert plan.migrations == ()
    assert [u.host for u in plan.unresolved] == ['h1']
    assert 'none, slave' in plan.unresolved[0].reason


def test_headroom_prefers_a_target_that_keeps_it():
    # a (5) fits h2 only up to its limit (room 5.2 < 5 + 5 % of 10) but
    # fits h3 with headroom to spare.
    _, plan = plan_of('''
        h1 10/100 | a 5/10/1, b 6/10/1 pinned
        h2 10/100 | z 4.8/10/1
        h3 10/100 | y 3/10/1
    ''')
    assert [(m.server, m.target) for m in plan.migrations] == [('a', 'h3')]
    assert '5% headroom' in plan.migrations[0].reason


def test_headroom_gives_way_to_curing():
    _, plan = plan_of('''
        h1 10/100 | a 5/10/1, b 6/10/1 pinned
        h2 10/100 | z 4.8/10/1
    ''')
    assert [(m.server, m.target) for m in plan.migrations] == [('a', 'h2')]
    assert 'no target had room for the headroom' in plan.migrations[0].reason


def test_disabled_hosts_and_sources_are_never_targets():
    _, plan = plan_of('''
        h1 10/100 | a 6/10/1, b 6/10/2
        h2 10/100 | c 6/10/1, d 6/10/2
        h3 20/100 disabled
        h4 10/100 | e 2/10/1
    ''')
    assert {m.target for m in plan.migrations} == {'h4'}
    assert [u.host for u in plan.unresolved] == ['h2']


def test_a_host_that_needs_many_moves_is_cured_without_a_fixed_cap():
    # h1 holds 40 servers of 1 CPU each against a capacity of 20: curing
    # it takes 20 moves (the old fixed cap was 16). h2 and h3 have room.
    servers = ', '.join(f's{k:02d} 1/1/{10 + k}' for k in range(40))
    text = f'''
        h1 20/1000 | {servers}
        h2 100/1000
        h3 100/1000
    '''
    cluster, plan = plan_of(text, source_margin=0)
    assert len(plan.migrations) == 20
    assert plan.unresolved == ()
    # The cheapest 20 by data leave.
    assert moved(plan) == [f's{k:02d}' for k in range(20)]
    assert compare.measure(cluster, plan).mis_migrations == 0
    # An operator's cap still holds, and the reason names it.
    _, capped = plan_of(text, source_margin=0, max_moves_per_host=16)
    assert capped.migrations == ()
    assert [u.host for u in capped.unresolved] == ['h1']
    assert 'at most 16 moves' in capped.unresolved[0].reason


def test_only_the_given_sources_are_acted_on():
    cluster = table_cluster('''
        h1 10/100 | a 6/10/1, b 6/10/2
        h2 10/100
    ''')
    plan = cure.CureStrategy().plan(cluster, sources=set())
    assert plan.migrations == ()
    assert [(u.host, u.reason) for u in plan.unresolved] == \
        [('h1', base.NOT_A_SOURCE)]


@pytest.mark.parametrize('options, option', [
    ({'movable_roles': ('master', 'boss')}, 'movable_roles'),
    ({'movable_roles': ()}, 'movable_roles'),
    ({'headroom': 0.9}, 'headroom'),
    ({'headroom': 'lots'}, 'headroom'),
    ({'max_moves_per_host': -1}, 'max_moves_per_host'),
    ({'max_moves_per_host': 401}, 'max_moves_per_host'),
    ({'move_overhead': -1}, 'move_overhead'),
    ({'search_nodes': 2.5}, 'search_nodes'),
    ({'source_margin': 0.9}, 'source_margin'),
    ({'source_margin': 'some'}, 'source_margin'),
])
def test_bad_options_are_refused_naming_the_option(options, option):
    with pytest.raises(exceptions.ConfigError) as err:
        cure.CureStrategy(**options)
    assert str(err.value).startswith(f'strategy cure: option {option} ')
    assert '\n' not in str(err.value)
    # Through the loader the message survives (wrapped by stevedore's load
    # failure callback into a PluginError today).
    with pytest.raises(exceptions.NovaHotspotError) as err:
        plugins.load_strategy('cure', **options)
    assert f'option {option} ' in str(err.value)


def test_options_from_a_config_file_as_strings():
    strategy = plugins.load_strategy('cure', movable_roles='master, none',
                                     headroom='0.1')
    assert strategy.headroom == 0.1
    assert strategy.movable_roles == {cure.ROLE_NAMES['master'], None}


@pytest.mark.parametrize('margin', [0.0, cure.DEFAULT_SOURCE_MARGIN])
def test_near_the_exact_optimum_on_small_generated_clusters(margin):
    pytest.importorskip('scipy')
    from benchmarks import generate
    from benchmarks import milp
    from benchmarks import run
    for seed, hosts in ((11, 20), (12, 30), (13, 40), (14, 30)):
        cluster = generate.generate(hosts, servers_per_host=12,
                                    hot_fraction=0.15, seed=seed)
        ref = milp.solve(cluster, source_margin=margin)
        assert ref.optimal and ref.moves > 0
        plan = cure.CureStrategy(source_margin=margin).plan(cluster)
        m = compare.measure(cluster, plan)
        assert run.hot_after(cluster, plan) <= set(ref.left_hot)
        assert m.data_moved_mb <= 1.10 * ref.data_moved_mb
        assert m.moves <= 1.2 * ref.moves
        assert (m.new_hot, m.anti_affinity_breaks, m.mis_migrations,
                m.violations) == (0, 0, 0, 0)


# source_margin: a cured host is left that fraction of its limit under it on
# the resources it was hot on.

#: Digests of the plans of cure before source_margin existed (commit
#: 072e1d5), on generated clusters: source_margin=0 must keep them. The
#: digest covers the decisions (moves, scores, hosts left hot), not the
#: words of the reasons (reworded for operators since).
TODAYS_PLANS = {
    (11, 20, 0.15): 'a32a721112940321',
    (12, 30, 0.15): 'e53d73f22e7a7f94',
    (13, 40, 0.15): 'c5053fa062a53a23',
    (14, 30, 0.15): '135c4b51f547f5b8',
    (1, 100, 0.05): '85b334645af6ff38',
    (1000, 50, 0.1): 'd42e837943865b5f',
    (7, 300, 0.1): 'e22074e6c9ea5a25',
}


def _generated(seed, hosts, hot):
    from benchmarks import generate
    return generate.generate(hosts, servers_per_host=12 if hosts < 100
                             else 20, hot_fraction=hot, seed=seed)


def _digest(plan):
    import hashlib
    decisions = ([(m.server, m.source, m.target, m.score)
                  for m in plan.migrations],
                 [u.host for u in plan.unresolved])
    return hashlib.sha256(repr(decisions).encode()).hexdigest()[:16]


@pytest.mark.parametrize('case', sorted(TODAYS_PLANS))
def test_source_margin_zero_gives_the_plans_of_before(case):
    plan = cure.CureStrategy(source_margin=0).plan(_generated(*case))
    assert _digest(plan) == TODAYS_PLANS[case]


def test_the_default_source_margin_is_small_but_not_zero():
    assert cure.CureStrategy().source_margin == cure.DEFAULT_SOURCE_MARGIN
    assert 0 < cure.DEFAULT_SOURCE_MARGIN <= 0.1


@pytest.mark.parametrize('margin', [0.02, 0.05, 0.1])
@pytest.mark.parametrize('case', sorted(TODAYS_PLANS)[:5])
def test_a_cured_host_ends_the_margin_under_its_hot_resources(case, margin):
    cluster = _generated(*case)
    plan = cure.CureStrategy(source_margin=margin).plan(cluster)
    assert validate.validate_plan(cluster, plan) == []
    m = compare.measure(cluster, plan)
    assert (m.new_hot, m.anti_affinity_breaks, m.mis_migrations) == (0, 0, 0)
    before = {h.host: h for h in detect.detect(cluster)}
    after = load.replay(cluster, plan)
    unresolved = {u.host for u in plan.unresolved}
    at_margin = 0
    for name in {mig.source for mig in plan.migrations} - unresolved:
        hi = cluster.host_index(name)
        hot = before[name].resources
        levels = [(after.cpu_used[hi], after.cpu_limit[hi],
                   model.Resource.CPU in hot),
                  (after.mem_used[hi], after.mem_limit[hi],
                   model.Resource.MEM in hot)]
        assert all(used <= limit for used, limit, _ in levels)
        reached = all(used <= (1 - margin) * limit * (1 + 1e-12)
                      for used, limit, was_hot in levels if was_hot)
        reasons = {c.reason for c in plan.cured if c.host == name}
        said = any(f'leaves it {margin:.0%} under' in r for r in reasons)
        # Either the host reached the margin (and the reason says so), or
        # no allowed set reached it and the host was cured to its limits.
        assert reached == said, name
        at_margin += reached
    assert at_margin > 0


def test_source_margin_moves_one_more_to_leave_room():
    # As in test_a_host_brought_exactly_to_its_limit_is_cured, a brings
    # CPU exactly to its limit; with a 5 % margin b goes too (CPU 0).
    cluster, plan = plan_of('''
        h1 10/100 | a 4/101/1, b 10/0/1
        h2 20/200
    ''', source_margin=0.05)
    assert moved(plan) == ['a', 'b']
    assert compare.measure(cluster, plan).mis_migrations == 0
    assert 'leaves it 5% under its CPU and memory threshold' in \
        plan.cured[0].reason


def test_source_margin_only_on_the_hot_resource():
    # h1 is CPU-hot (11 of 10): shed 1.5 to reach 9.5; memory (95 of 100)
    # stays where it is: b (1.5 CPU) alone, not c (memory).
    cluster, plan = plan_of('''
        h1 10/100 | a 6/40/9, b 1.5/5/1, c 3.5/50/8
        h2 20/200
    ''', source_margin=0.05)
    assert moved(plan) == ['b']
    state = load.replay(cluster, plan)
    assert state.cpu_used[0] <= 0.95 * 10


def test_source_margin_gives_way_to_curing():
    # Only 1 CPU may move: enough to cure h1 (10.8 of 10), not to reach
    # 9.5; the host is cured to its limit and the reason does not claim the
    # margin.
    cluster, plan = plan_of('''
        h1 10/100 | a 9.8/10/1 pinned, b 1/10/1
        h2 20/200
    ''', source_margin=0.05)
    assert moved(plan) == ['b']
    assert plan.unresolved == ()
    assert 'the least data that cures it' in plan.cured[0].reason


@settings(max_examples=60, deadline=None)
@given(clusters(), st.sampled_from((0.0, 0.05, 0.2, 0.5)))
def test_source_margin_never_a_new_hotspot_nor_a_mis_migration(cluster,
                                                               margin):
    plan = cure.CureStrategy(source_margin=margin).plan(cluster)
    assert validate.validate_plan(cluster, plan) == []
    m = compare.measure(cluster, plan)
    assert (m.new_hot, m.anti_affinity_breaks, m.mis_migrations) == (0, 0, 0)
    assert m.hot_after == len(plan.unresolved)


def test_the_multi_cycle_simulation_runs():
    from benchmarks import simulate
    runs = [simulate.simulate(margin, hosts=20, servers_per_host=8,
                              hot_fraction=0.2, seed=3, cycles=6)
            for margin in (0.0, 0.05)]
    assert runs[0] == simulate.simulate(0.0, hosts=20, servers_per_host=8,
                                        hot_fraction=0.2, seed=3, cycles=6)
    for r in runs:
        assert r.invalid_plans == 0
        assert r.moves > 0 and r.cures > 0 and r.data_gb > 0
        assert 0 <= r.rehot <= r.cures
    assert len(simulate.rows(runs)) == 3


def test_the_options_table_of_the_docs_is_the_declaration():
    from nova_hotspot.core import options
    path = os.path.join(ROOT, 'doc', 'strategies.md')
    with open(path, encoding='utf-8') as f:
        assert options.markdown_table(cure.OPTIONS) in f.read()


def test_every_declared_option_is_taken_and_its_default_used():
    strategy = cure.CureStrategy()
    for option in cure.OPTIONS:
        expected = option.parse('cure', option.default)
        assert getattr(strategy, option.name) == expected, option.name
    with pytest.raises(exceptions.ConfigError) as err:
        cure.CureStrategy(headroom_typo=0.1)
    assert str(err.value).startswith("strategy cure: unknown option "
                                     "'headroom_typo' (known: movable_roles")
