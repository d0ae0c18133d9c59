"""The plan validator: every rule a plan can break, one cluster each."""

import pytest

from nova_hotspot.core import plan as plan_mod
from nova_hotspot.core import validate
from tests.unit.clusters import cluster
from tests.unit.clusters import host
from tests.unit.clusters import master
from tests.unit.clusters import slave
from tests.unit.clusters import vm

# A: hot (M1 50 + X 40 of 80); B holds M1's slave; C has room; D disabled.
HOSTS = [host('A'), host('B'), host('C'), host('D', enabled=False)]
SERVERS = [master('M1', 'A', cpu=50), vm('X', 'A', cpu=40),
           slave('S1', 'B', of='M1', cpu=5), vm('Y', 'C', cpu=10),
           vm('P', 'A', cpu=1, pinned=True), vm('E', 'C', status='ERROR')]


def mv(server, source, target):
    return plan_mod.Migration(server, source, target)


CASES = [
    ('a valid move', [mv('M1', 'A', 'C')], []),
    ('unknown server', [mv('nope', 'A', 'C')], ['unknown server']),
    ('unknown source host', [mv('M1', 'Z', 'C')], ["unknown source host"]),
    ('unknown target host', [mv('M1', 'A', 'Z')], ["unknown target host"]),
    ('server moved twice', [mv('X', 'A', 'C'), mv('X', 'C', 'B')],
     ['server moved twice']),
    ('server not on the source', [mv('M1', 'B', 'C')],
     ["is on 'A', not on source 'B'"]),
    ('target is the source', [mv('M1', 'A', 'A')], ['target is the source']),
    ('disabled target', [mv('Y', 'C', 'D')], ["target 'D' is disabled"]),
    ('anti-affinity: master onto its slave', [mv('M1', 'A', 'B')],
     ["target 'B' holds a member of group 'g-M1'"]),
    ('anti-affinity: slave onto its master', [mv('S1', 'B', 'A')],
     ["target 'A' holds a member of group 'g-M1'",
      "target 'A' pushed over its CPU threshold"]),
    ('target pushed over its threshold',
     [mv('M1', 'A', 'C'), mv('X', 'A', 'C')],
     ["target 'C' pushed over its CPU threshold"]),
    ('pinned server', [mv('P', 'A', 'C')], ['server may not move (pinned)']),
    ('server not ACTIVE', [mv('E', 'C', 'B')],
     ['server may not move (status ERROR)']),
    ('the group rule holds after earlier moves too',
     [mv('S1', 'B', 'C'), mv('M1', 'A', 'C')],
     ["target 'C' holds a member of group 'g-M1'"]),
]


@pytest.mark.parametrize('migrations, expected', [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_validator(migrations, expected):
    snap = cluster(HOSTS, SERVERS)
    violations = validate.validate_plan(
        snap, plan_mod.Plan('test', tuple(migrations)))
    messages = [str(v) for v in violations]
    assert len(messages) == len(expected), messages
    for message, fragment in zip(messages, expected):
        assert fragment in message


def test_violation_names_the_migration_and_server():
    snap = cluster(HOSTS, SERVERS)
    (violation,) = validate.validate_plan(
        snap, plan_mod.Plan('test', (mv('M1', 'A', 'B'),)))
    assert str(violation).startswith("migration 0 (server 'M1'): ")


def test_replay_applies_the_moves_it_can_and_names_the_others():
    from nova_hotspot.core import load
    from nova_hotspot.core import plan as plan_mod
    from tests.unit.cluster_builders import table_cluster
    cluster = table_cluster('''
        h1 10/100 | a 6/10/1, b 6/10/2
        h2 10/100
    ''')
    plan = plan_mod.Plan('x', (
        plan_mod.Migration('a', 'h1', 'h2'),
        plan_mod.Migration('a', 'h2', 'h1'),
        plan_mod.Migration('zz', 'h1', 'h2'),
        plan_mod.Migration('b', 'h2', 'h1'),
        plan_mod.Migration('b', 'h1', 'h1'),
    ))
    seen = []
    state = load.replay(cluster, plan,
                        before=lambda step, s: seen.append(step.problem))
    assert seen == [None, 'server moved twice', 'unknown server',
                    "server is on 'h1', not on source 'h2'",
                    'server moved twice']
    assert state.host_of(cluster.server_index('a')) == 1
    assert state.cpu_used == [6.0, 6.0] and state.hot_hosts() == []
