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
