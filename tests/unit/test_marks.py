"""The agent's verdict for the scheduler (core/marks.py): which hotspot
traits each host carries, from k of n per resource and the latest use."""

import pytest

from nova_hotspot import exceptions
from nova_hotspot.core import marks
from tests.unit.cluster_builders import table_cluster

CPU, MEM, NEAR = marks.CPU_TRAIT, marks.MEM_TRAIT, marks.NEAR_TRAIT

# Thresholds 1.0: a host is hot when its servers' sum passes its capacity.
CPU_HOT = table_cluster('''
    h1 10/100 | a 6/10/1, b 5/10/1
    h2 10/100 | c 1/10/1
''')
MEM_HOT = table_cluster('''
    h1 10/100 | a 1/60/1, b 1/50/1
    h2 10/100 | c 1/10/1
''')
BOTH_HOT = table_cluster('''
    h1 10/100 | a 6/60/1, b 5/50/1
    h2 10/100 | c 1/10/1
''')
COOL = table_cluster('''
    h1 10/100 | a 3/10/1, b 2/10/1
    h2 10/100 | c 1/10/1
''')
NEAR_CPU = table_cluster('''
    h1 10/100 | a 6/10/1, b 3/10/1
    h2 10/100 | c 1/10/1
''')


def test_the_trait_names_are_the_ones_nova_and_operators_use():
    assert marks.HOT_TRAITS == ('CUSTOM_HOTSPOT_CPU', 'CUSTOM_HOTSPOT_MEM')
    assert set(marks.OWNED_TRAITS) == {
        'CUSTOM_HOTSPOT_CPU', 'CUSTOM_HOTSPOT_MEM', 'CUSTOM_HOTSPOT_NEAR'}


@pytest.mark.parametrize('cluster, expected', [
    (CPU_HOT, {CPU}), (MEM_HOT, {MEM}), (BOTH_HOT, {CPU, MEM}),
    (COOL, set()), (NEAR_CPU, {NEAR})])
def test_one_sample_k_1_marks_each_hot_resource(cluster, expected):
    marker = marks.Marker(1, 1, near_fraction=0.9)
    assert marker.sample(cluster) == {'h1': frozenset(expected),
                                      'h2': frozenset()}


def test_every_host_of_the_sample_gets_a_verdict_even_when_none_is_hot():
    marker = marks.Marker(2, 3)
    assert marker.sample(COOL) == {'h1': frozenset(), 'h2': frozenset()}


def test_k_of_n_per_resource_not_per_host():
    # CPU hot, then memory hot: the host was hot twice, but no resource
    # was hot in 2 of the samples: no hot trait (only near).
    marker = marks.Marker(2, 3)
    assert marker.sample(CPU_HOT)['h1'] == {NEAR}    # one spike: near
    assert marker.sample(MEM_HOT)['h1'] == {NEAR}
    assert marker.sample(CPU_HOT)['h1'] == {CPU}     # CPU in 2 of 3


def test_mark_held_while_k_of_n_holds_then_removed():
    marker = marks.Marker(2, 3)
    marker.sample(CPU_HOT)
    assert marker.sample(CPU_HOT)['h1'] == {CPU}
    assert marker.sample(COOL)['h1'] == {CPU}        # hot, hot, cool
    assert marker.sample(COOL)['h1'] == frozenset()  # hot, cool, cool


def test_k_equals_n_equals_1_removes_the_mark_at_the_first_cool_sample():
    marker = marks.Marker(1, 1)
    assert marker.sample(BOTH_HOT)['h1'] == {CPU, MEM}
    assert marker.sample(COOL)['h1'] == frozenset()


def test_near_only_when_not_marked_hot():
    marker = marks.Marker(1, 1, near_fraction=0.5)
    # h1 CPU hot: CPU only, not near as well; h2 at 0.1: nothing.
    assert marker.sample(CPU_HOT) == {'h1': {CPU}, 'h2': frozenset()}


def test_near_fraction_is_inclusive_and_per_resource():
    # 9/10 CPU reaches 0.9 of the limit; memory 20/100 does not matter.
    marker = marks.Marker(1, 1, near_fraction=0.9)
    assert marker.sample(NEAR_CPU)['h1'] == {NEAR}
    marker = marks.Marker(1, 1, near_fraction=0.95)
    assert marker.sample(NEAR_CPU)['h1'] == frozenset()


def test_near_fraction_1_marks_only_hosts_over_their_limit_for_now():
    marker = marks.Marker(2, 2, near_fraction=1.0)
    assert marker.sample(NEAR_CPU)['h1'] == frozenset()
    assert marker.sample(CPU_HOT)['h1'] == {NEAR}
    assert marker.sample(CPU_HOT)['h1'] == {CPU}


def test_threshold_is_the_limit_the_traits_judge():
    cluster = table_cluster('''
        h1 10/100 th=0.8 | a 5/10/1, b 4/10/1
    ''')
    assert marks.Marker(1, 1).sample(cluster) == {'h1': {CPU}}


def test_a_host_that_left_the_cluster_is_not_in_the_verdict():
    marker = marks.Marker(2, 3)
    marker.sample(CPU_HOT)
    marker.sample(CPU_HOT)
    only_h2 = table_cluster('''
        h2 10/100 | c 1/10/1
    ''')
    assert marker.sample(only_h2) == {'h2': frozenset()}


def test_resize_starts_a_new_history_and_same_window_keeps_it():
    marker = marks.Marker(2, 3)
    marker.sample(CPU_HOT)
    marker.resize(2, 3)
    assert marker.sample(CPU_HOT)['h1'] == {CPU}
    marker.resize(1, 2)
    assert len(marker.history) == 0


def test_verdict_on_plain_data():
    history = marks.ResourceHistory(1, 1)
    latest = {'a': marks.HostUse(9, 8, 10, 100),
              'b': marks.HostUse(1, 8, 95, 100),
              'c': marks.HostUse(0, 0, 0, 0)}
    history.record({h: u.hot() for h, u in latest.items()})
    assert marks.verdict(latest, history, 0.9) == {
        'a': {CPU}, 'b': {NEAR}, 'c': frozenset()}


@pytest.mark.parametrize('value', [0, -0.1, 1.5, True, 'x', None])
def test_bad_near_fraction_is_one_clear_error(value):
    with pytest.raises(exceptions.ConfigError, match='near_fraction'):
        marks.Marker(1, 1, near_fraction=value)


@pytest.mark.parametrize('k, n', [(0, 1), (3, 2), (1.5, 2), (True, 2)])
def test_bad_window_is_one_clear_error(k, n):
    with pytest.raises(exceptions.ConfigError, match='hot history'):
        marks.ResourceHistory(k, n)


def test_changes_add_remove_and_leave_the_rest():
    current = {'p1': {CPU}, 'p2': {NEAR}, 'p3': {MEM}, 'gone': {CPU, NEAR}}
    desired = {'p1': {CPU}, 'p2': {CPU, MEM}, 'p3': frozenset(),
               'p4': {NEAR}, 'p5': frozenset()}
    assert marks.changes(current, desired) == {
        'p2': ({CPU, MEM}, {NEAR}),
        'p3': (frozenset(), {MEM}),
        'p4': ({NEAR}, frozenset()),
        'gone': (frozenset(), {CPU, NEAR})}


def test_changes_never_name_a_trait_the_agent_does_not_own():
    current = {'p1': {CPU, 'COMPUTE_STATUS_DISABLED', 'CUSTOM_MINE'}}
    desired = {'p1': {'HW_CPU_X86_AVX2'}}
    assert marks.changes(current, desired) == {
        'p1': (frozenset(), {CPU})}


def test_no_change_when_placement_already_says_so():
    assert marks.changes({'p1': {CPU}}, {'p1': {CPU}, 'p2': set()}) == {}
