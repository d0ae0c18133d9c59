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
