"""Roles mapping: plain data in, assignments and problems out."""

from nova_hotspot.cloud.records import ServerGroup as Group
from nova_hotspot.collect.roles import assign_roles
from nova_hotspot.core.model import Role

AA = 'anti-affinity'


def kinds(problems):
    return sorted(p.kind for p in problems)


def test_master_and_slaves_of_a_business():
    groups = [Group('g1', AA, ('m1', 's1', 's2'))]
    meta = {'m1': {'hotspot_role': 'master'},
            's1': {'hotspot_role': 'slave'},
            's2': {'hotspot_role': ' SLAVE '},
            'v': {}}
    assignments, problems = assign_roles(groups, meta)
    assert assignments['m1'].role is Role.MASTER
    assert assignments['m1'].group == 'g1'
    assert assignments['s2'].role is Role.SLAVE
    assert assignments['v'].group is None and assignments['v'].role is None
    assert problems == []


def test_soft_anti_affinity_is_a_business_affinity_is_not():
    groups = [Group('soft', 'soft-anti-affinity', ('a',)),
              Group('aff', 'affinity', ('b',))]
    meta = {'a': {'hotspot_role': 'master'}, 'b': {'hotspot_role': 'master'}}
    assignments, problems = assign_roles(groups, meta)
    assert assignments['a'] == assignments['a'].__class__('soft',
                                                          Role.MASTER)
    assert assignments['b'].group is None and assignments['b'].role is None
    assert kinds(problems) == ['role-in-affinity-group']
    assert problems[0].server == 'b' and problems[0].group == 'aff'


def test_two_masters_none_is_master():
    groups = [Group('g', AA, ('m1', 'm2', 's'))]
    meta = {'m1': {'hotspot_role': 'master'}, 'm2': {'hotspot_role': 'master'},
            's': {'hotspot_role': 'slave'}}
    assignments, problems = assign_roles(groups, meta)
    assert assignments['m1'].role is None and assignments['m2'].role is None
    assert assignments['m1'].group == 'g'
    assert assignments['s'].role is Role.SLAVE
    assert kinds(problems) == ['several-masters']
    assert 'm1' in problems[0].message and 'm2' in problems[0].message


def test_no_master_unknown_value_gone_member_and_lonely_role():
    groups = [Group('g', AA, ('s', 'x', 'gone')), Group('h', AA, ())]
    meta = {'s': {'hotspot_role': 'slave'}, 'x': {'hotspot_role': 'boss'},
            'lonely': {'hotspot_role': 'master'}}
    assignments, problems = assign_roles(groups, meta)
    assert kinds(problems) == ['member-gone', 'no-master',
                               'role-without-group', 'unknown-role']
    by_kind = {p.kind: p for p in problems}
    assert by_kind['member-gone'].server == 'gone'
    assert by_kind['unknown-role'].server == 'x'
    assert by_kind['role-without-group'].server == 'lonely'
    assert by_kind['no-master'].group == 'g'
    assert assignments['x'].role is None and assignments['x'].group == 'g'
    assert assignments['lonely'].role is None
    assert 'gone' not in assignments
    # every problem names where it is
    assert all(p.server or p.group for p in problems)


def test_server_in_two_groups_stays_in_the_first():
    groups = [Group('g1', AA, ('a', 'm1')), Group('g2', AA, ('a', 'm2'))]
    meta = {'a': {'hotspot_role': 'slave'},
            'm1': {'hotspot_role': 'master'},
            'm2': {'hotspot_role': 'master'}}
    assignments, problems = assign_roles(groups, meta)
    assert assignments['a'].group == 'g1'
    assert kinds(problems) == ['several-groups']


def test_custom_role_key():
    groups = [Group('g', AA, ('m',))]
    assignments, problems = assign_roles(
        groups, {'m': {'role': 'master', 'hotspot_role': 'slave'}}, 'role')
    assert assignments['m'].role is Role.MASTER
    assert problems == []
