"""Strategy cure: table-driven clusters, options, and quality against the
exact MILP on small generated clusters."""

import pytest

from nova_hotspot import compare
from nova_hotspot import exceptions
from nova_hotspot import plugins
from nova_hotspot.core import validate
from nova_hotspot.strategies import base
from nova_hotspot.strategies import cure
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
    # as well would lower nothing that is over its threshold.
    cluster, plan = plan_of('''
        h1 10/100 | a 4/101/1, b 10/0/1
        h2 20/200
    ''')
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
    ({'max_moves_per_host': 0}, 'max_moves_per_host'),
    ({'move_overhead': -1}, 'move_overhead'),
    ({'search_nodes': 2.5}, 'search_nodes'),
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


def test_near_the_exact_optimum_on_small_generated_clusters():
    pytest.importorskip('scipy')
    from benchmarks import generate
    from benchmarks import milp
    from benchmarks import run
    for seed, hosts in ((11, 20), (12, 30), (13, 40), (14, 30)):
        cluster = generate.generate(hosts, servers_per_host=12,
                                    hot_fraction=0.15, seed=seed)
        ref = milp.solve(cluster)
        assert ref.optimal and ref.moves > 0
        plan = cure.CureStrategy().plan(cluster)
        m = compare.measure(cluster, plan)
        assert run.hot_after(cluster, plan) <= set(ref.left_hot)
        assert m.data_moved_mb <= 1.10 * ref.data_moved_mb
        assert m.moves <= 1.2 * ref.moves
        assert (m.new_hot, m.anti_affinity_breaks, m.mis_migrations,
                m.violations) == (0, 0, 0, 0)
