"""The plan report reuses the detection it is given."""

from nova_hotspot import plan_report
from nova_hotspot.core import detect
from nova_hotspot.core import plan as plan_mod
from tests.unit.cluster_builders import table_cluster


def test_the_report_uses_the_given_detection_and_detects_without_one():
    cluster = table_cluster('''
        h1 10/100 | a 6/10/1, b 6/10/2
        h2 10/100
    ''')
    plan = plan_mod.Plan('x')
    hotspots = detect.detect(cluster)
    detected = plan_report.build(cluster, plan, [])
    given = plan_report.build(cluster, plan, [], hotspots)
    assert detected == given
    assert [h['host'] for h in given['hotspots']] == ['h1']
    # What the caller detected is what is reported (no second detection).
    assert plan_report.build(cluster, plan, [], [])['hotspots'] == []


def test_the_table_says_why_hosts_are_no_targets():
    """nova-hotspot plan --cloud: a quarantined host shows its reason."""
    cluster = table_cluster('''
        h1 10/100 | a 6/10/1, b 6/10/2
        h2 10/100
    ''')
    report = plan_report.build(cluster, plan_mod.Plan('x'), [])
    assert 'Not targets:' not in plan_report.format_table(report)
    report['not_targets'] = [
        {'host': 'h2', 'reason': 'quarantined: migration of a to it '
                                 'timeout, 500s left'}]
    lines = plan_report.format_table(report).splitlines()
    i = lines.index('Not targets:')
    assert lines[i + 1] == ('  h2: quarantined: migration of a to it '
                            'timeout, 500s left')


# -- what an operator reads (issue 14) -------------------------------------

import dataclasses  # noqa: E402
import pathlib  # noqa: E402

import pytest  # noqa: E402

from nova_hotspot.core import snapshot  # noqa: E402
from nova_hotspot.core import validate  # noqa: E402
from nova_hotspot.strategies import cure  # noqa: E402
from nova_hotspot.strategies import paper_fast  # noqa: E402

FIGURE_2 = pathlib.Path(__file__).parents[2] / 'examples' / 'figure2.json'


def report_of(cluster, strategy):
    plan = strategy.plan(cluster)
    return plan_report.build(cluster, plan,
                             validate.validate_plan(cluster, plan))


def test_figure_2_json_says_what_each_move_copies_lowers_and_refuses():
    cluster = snapshot.loads(FIGURE_2.read_text())
    report = report_of(cluster, paper_fast.FastPaperStrategy())
    [move] = report['migrations']
    assert {k: move[k] for k in (
        'server', 'server_name', 'group', 'source', 'target', 'data_mb',
        'cpu', 'mem_mb', 'lowers', 'refused_targets',
        'targets_too_full')} == {
        'server': 'M1', 'server_name': None, 'group': 'business-1',
        'source': 'SV1', 'target': 'SV5', 'data_mb': 20480.0, 'cpu': 50.0,
        'mem_mb': 1024.0, 'lowers': ['cpu'],
        # SV4 has room but holds S12, a slave of M1; SV2 and SV3 no room.
        'refused_targets': [{'host': 'SV4', 'reason': 'holds S12, its '
                                                      'slave'}],
        'targets_too_full': 2}
    assert move['score'] is not None     # kept in JSON, not in the table
    [hot] = report['hotspots']
    assert (hot['cpu_after'], hot['mem_after'], hot['cured'],
            hot['moves']) == (40.0, 2048.0, True, 1)
    assert report['summary'] == {
        'hot_hosts': 1, 'hot_cpu': 1, 'hot_mem': 0, 'moves': 1,
        'data_mb': 20480.0, 'cured': 1, 'left_hot': 0,
        'left_hot_by_reason': []}


def named(cluster, names):
    """``cluster`` with server names (id -> name)."""
    return type(cluster)(cluster.hosts, [
        dataclasses.replace(s, name=names.get(s.id)) for s in
        cluster.servers])


UUID = '114b085d-6c1e-4c6e-9d35-8c0f6a1f2e11'

TABLES = [
    ('memory-hot host: the move lowers memory, names beside ids',
     named(table_cluster(f'''
        h1 10/100 | {UUID} 1/60/3 master@g1, b 1/50/9
        h2 10/100
     '''), {UUID: 'web-1', 'b': 'b'}),
     paper_fast.FastPaperStrategy(),
     ['Strategy paper: 1 hot host (1 memory), 1 move copying 3 MiB, '
      '1 cured, 0 left hot',
      '  1. web-1 (114b085d): h1 -> h2, copies 3 MiB, lowers memory (uses '
      '1.0 vCPU, 60 MiB)']),
    ('a slave refused by the host of its master',
     table_cluster('''
        h1 10/100 | a 6/10/1 slave@g1, b 6/10/5
        h2 10/100 | m 1/10/1 master@g1
        h3 10/100 | z 3/10/1
     '''),
     cure.CureStrategy(headroom=0),
     ['  1. a: h1 -> h3, copies 1 MiB, lowers CPU (uses 6.0 vCPU, 10 MiB)',
      "     refused for a: h2 (holds m, its group's master)"]),
    ('hosts left hot for one reason are one line, counted in the summary',
     table_cluster('''
        h1 10/100 | a 11/10/1
        h2 10/100 | b 11/10/1
        h3 10/100 | c 11/10/1
        h4 10/100 | d 1/10/1 master@g1, e 10/1/1
     '''),
     paper_fast.FastPaperStrategy(),
     ['Strategy paper: 4 hot hosts (4 CPU), 0 moves copying 0 MiB, 0 '
      'cured, 4 left hot (3 no master on the host, 1 no single master '
      'cures it)',
      '  3 hosts: no master on the host (the paper moves only masters)',
      '    h1, h2, h3']),
]


@pytest.mark.parametrize('cluster, strategy, expected',
                         [c[1:] for c in TABLES], ids=[c[0] for c in TABLES])
def test_the_table_reads_as_the_cluster(cluster, strategy, expected):
    lines = plan_report.format_table(report_of(cluster, strategy))
    lines = lines.splitlines()
    for line in expected:
        assert line in lines, '\n'.join(lines)
    assert len(set(lines)) == len(lines)     # no line said twice


def test_cure_says_the_set_once_for_its_host_not_on_each_move():
    cluster = table_cluster('''
        h1 10/100 | a 6/10/1, b 6/10/1, c 6/10/1
        h2 10/100
        h3 10/100
    ''')
    report = report_of(cluster, cure.CureStrategy(headroom=0,
                                                  source_margin=0))
    text = plan_report.format_table(report)
    assert len(report['migrations']) == 2
    assert text.count('the least data that cures it') == 1
    [hot] = report['hotspots']
    assert hot['reason'].startswith('2 moves copying 2 MiB, the least data '
                                    'that cures it')
    assert [m['reason'].split(';')[0] for m in report['migrations']] == \
        ['ungrouped, move 1 of 2 off h1', 'ungrouped, move 2 of 2 off h1']
