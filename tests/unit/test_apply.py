"""nova-hotspot apply, the pure parts: the plan file, the staleness of
each move on a fresh collection, the report and the exit code."""

import dataclasses
import json

import pytest

from nova_hotspot import apply
from nova_hotspot import exceptions
from nova_hotspot import plan_report
from nova_hotspot.actuators import limits
from nova_hotspot.collect import build
from nova_hotspot.core import validate
from nova_hotspot.strategies import cure
from tests.unit.cluster_builders import table_cluster

#: The cloud when the plan was made: h1 is hot (13.5 of 10 vCPU), a and b
#: go (c may not); h2 holds s, a slave of a.
PLANNED = '''
    h1 10/100 | a 3/10/1 master@g1, b 3/10/1 slave@g2, c 7.5/10/1 pinned
    h2 10/100 | s 1/10/1 slave@g1
    h3 10/100
    h4 10/100
'''


def collection_of(cluster, no_target=(), pins=None):
    """A fresh collection on plain data: every host a target unless in
    ``no_target`` (host -> why)."""
    hosts = {h.name: build.HostFacts(h.name, None, 'up', 'enabled',
                                     h.name not in no_target,
                                     dict(no_target).get(h.name))
             for h in cluster.hosts}
    return build.Collection(cluster, hosts, pins or {}, [])


def plan_file(cluster):
    """The JSON text `nova-hotspot plan --format json` prints for it."""
    plan = cure.CureStrategy(headroom=0, source_margin=0).plan(cluster)
    return json.dumps(plan_report.build(
        cluster, plan, validate.validate_plan(cluster, plan)))


def moves_of(text):
    return apply.loads(text, 'plan.json')


def test_a_plan_file_reads_back_as_its_moves():
    moves = moves_of(plan_file(table_cluster(PLANNED)))
    assert sorted((m.server, m.source, m.group, m.role)
                  for m in moves) == [('a', 'h1', 'g1', 'master'),
                                      ('b', 'h1', 'g2', 'slave')]
    assert [m.number for m in moves] == [1, 2]
    targets = {m.server: m.target for m in moves}
    assert targets['a'] in ('h3', 'h4') and targets['b'] in ('h2', 'h3',
                                                             'h4')


def _with(cluster, **changes):
    """``cluster`` with servers changed: id -> dict of fields (None:
    the server is gone)."""
    servers = []
    for s in cluster.servers:
        if s.id in changes:
            if changes[s.id] is None:
                continue
            s = dataclasses.replace(s, **changes[s.id])
        servers.append(s)
    return type(cluster)(cluster.hosts, servers)


def _disabled(cluster, name):
    return type(cluster)([dataclasses.replace(h, enabled=h.name != name)
                          for h in cluster.hosts], cluster.servers)


# What changed since the plan -> why the move of server `a` is refused.
STALE = [
    ('server gone', lambda c: _with(c, a=None), {}, 'server is gone'),
    ('server moved', lambda c: _with(c, a={'host': 'h4'}), {},
     'server is now on h4, not on h1'),
    ('server not ACTIVE', lambda c: _with(c, a={'status': 'SHUTOFF'}), {},
     'server is SHUTOFF'),
    ('server cooling down', lambda c: c,
     {'pins': {'a': ('cooling down (1700s left)',)}},
     'server is cooling down (1700s left)'),
    ('group changed', lambda c: _with(c, a={'group': 'g9'}), {},
     'server is now in group g9, not in g1'),
    ('role changed', lambda c: _with(c, a={'role': None}), {},
     'server is now without a role, not master'),
]


@pytest.mark.parametrize('change, extra, why', [s[1:] for s in STALE],
                         ids=[s[0] for s in STALE])
def test_a_move_whose_server_changed_is_stale_and_the_rest_still_go(
        change, extra, why):
    planned = table_cluster(PLANNED)
    moves = moves_of(plan_file(planned))
    a = next(m for m in moves if m.server == 'a')
    fresh = collection_of(change(planned), **extra)
    stale = apply.stale_moves(moves, fresh)
    assert stale == {a.number: why}
    plan, kept = apply.to_apply(moves, stale)
    assert [m.server for m in kept] == [m.server for m in moves
                                        if m.server != 'a']
    assert [m.server for m in plan.migrations] == [m.server for m in kept]


def test_a_target_that_changed_refuses_the_moves_to_it():
    planned = table_cluster(PLANNED)
    moves = moves_of(plan_file(planned))
    a = next(m for m in moves if m.server == 'a')
    target = a.target
    # Quarantined since the plan: no target, with the collector's reason.
    fresh = collection_of(_disabled(planned, target), no_target={
        target: 'quarantined: migration of x to it timeout, 500s left'})
    stale = apply.stale_moves(moves, fresh)
    assert stale[a.number] == (f'target {target} may not receive: '
                               'quarantined: migration of x to it timeout, '
                               '500s left')
    # Now holding a member of a's group.
    fresh = collection_of(_with(planned, s={'host': target}))
    assert apply.stale_moves(moves, fresh)[a.number] == (
        f"anti-affinity: target {target!r} holds a member of group 'g1'")
    # Now too full: a 9-vCPU server arrived there.
    busy = table_cluster(PLANNED + '    h5 10/100 | z 9/10/1\n')
    busy = _with(busy, z={'host': target})
    assert apply.stale_moves(moves, collection_of(busy))[a.number] == (
        f"target {target!r} pushed over its CPU threshold")


def test_every_move_stale_is_its_own_exit_code():
    planned = table_cluster(PLANNED)
    moves = moves_of(plan_file(planned))
    gone = collection_of(_with(planned, a=None, b=None))
    stale = apply.stale_moves(moves, gone)
    assert len(stale) == len(moves)
    assert apply.exit_code(moves, stale, []) == apply.EXIT_STALE


def outcome(move, result, reason=''):
    return limits.Outcome(move.server, move.source, move.target, result,
                          reason)


def test_the_report_says_what_became_of_each_move_and_the_exit_code():
    moves = moves_of(plan_file(table_cluster(PLANNED)))
    first, second = moves
    stale = {first.number: 'server is gone'}
    done = [outcome(second, 'completed')]
    lines = apply.report_lines('plan.json', moves, stale, done)
    assert lines == [
        'Plan plan.json: 1 of 2 moves carried out, 1 refused as stale, 0 '
        'not done',
        f'  1. {first.server}: h1 -> {first.target}: stale, refused: '
        'server is gone',
        f'  2. {second.server}: h1 -> {second.target}: completed']
    assert apply.exit_code(moves, stale, done) == apply.EXIT_SOME_NOT_DONE
    assert apply.exit_code(moves, {}, [outcome(m, 'completed')
                                       for m in moves]) == apply.EXIT_DONE
    assert apply.exit_code(moves, {}, [
        outcome(first, 'completed'),
        outcome(second, 'failed', 'Nova: boom')]) == apply.EXIT_SOME_NOT_DONE
    assert apply.exit_code([], {}, []) == apply.EXIT_DONE


BAD_PLANS = [
    ('not JSON', 'migrations: []', 'plan.json: not valid JSON'),
    ('not a plan', '{"hosts": []}',
     "plan.json: not a plan (no 'migrations' list"),
    ('refused by the validator',
     '{"migrations": [], "violations": ["migration 0 ..."]}',
     'plan.json: the plan validator refused this plan (1 violation(s))'),
    ('a move without a target',
     '{"migrations": [{"server": "a", "source": "h1"}]}',
     "plan.json: migrations[0]: field 'target' missing"),
    ('a number for a host',
     '{"migrations": [{"server": "a", "source": "h1", "target": 3}]}',
     "plan.json: migrations[0]: field 'target' must be a non-empty "
     "string"),
    ('a server moved twice',
     '{"migrations": [{"server": "a", "source": "h1", "target": "h2"}, '
     '{"server": "a", "source": "h2", "target": "h3"}]}',
     "plan.json: migrations[1]: server 'a' is moved twice"),
]


@pytest.mark.parametrize('text, message', [b[1:] for b in BAD_PLANS],
                         ids=[b[0] for b in BAD_PLANS])
def test_a_bad_plan_file_is_one_line_naming_the_record(text, message):
    with pytest.raises(exceptions.InvalidPlan) as caught:
        moves_of(text)
    assert str(caught.value).startswith(message), str(caught.value)
    assert '\n' not in str(caught.value)
