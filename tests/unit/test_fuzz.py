"""Fuzzing the snapshot loader and the planners (hypothesis).

Whatever arrives, the loader either returns a cluster or raises
InvalidSnapshot with a one-line message; never another exception. Every
registered strategy's plan on whatever the loader accepts passes the
validator.
"""

import json

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from nova_hotspot import exceptions
from nova_hotspot import plugins
from nova_hotspot.core import snapshot
from nova_hotspot.core import validate
from tests.unit.clusters import host
from tests.unit.clusters import master
from tests.unit.clusters import slave
from tests.unit.clusters import vm

JSON_SCALARS = (st.none() | st.booleans() | st.integers(-10**6, 10**6)
                | st.floats(allow_nan=True, allow_infinity=True)
                | st.text(max_size=8))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)

VALID = {'hosts': [host('A'), host('B'), host('C', cpu_th=0.5)],
         'servers': [master('M1', 'A', cpu=50, mem=300),
                     vm('X', 'A', cpu=40, mem=100),
                     slave('S1', 'B', of='M1', cpu=10, mem=100),
                     vm('Y', 'C', cpu=5, mem=50)]}


def load_cleanly(doc):
    """from_dict's outcome: a Cluster, or None after a clean error."""
    try:
        return snapshot.from_dict(doc, 0.8, 0.8)
    except exceptions.InvalidSnapshot as exc:
        assert '\n' not in str(exc) and str(exc)
        return None


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_arbitrary_json_gives_a_cluster_or_one_clean_error(doc):
    load_cleanly(doc)


@st.composite
def mutated_snapshots(draw):
    """A valid snapshot with a few fields replaced, removed or added."""
    doc = json.loads(json.dumps(VALID))
    for _ in range(draw(st.integers(1, 4))):
        records = doc[draw(st.sampled_from(['hosts', 'servers']))]
        record = records[draw(st.integers(0, len(records) - 1))]
        field = draw(st.sampled_from(sorted(record) + ['extra']))
        if draw(st.booleans()):
            record[field] = draw(JSON_VALUES)
        else:
            record.pop(field, None)
    return doc


@settings(max_examples=500, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutated_snapshots())
def test_damaged_snapshots_give_a_cluster_or_one_clean_error(doc):
    cluster = load_cleanly(doc)
    if cluster is None:
        return
    for name in plugins.names(plugins.STRATEGIES):
        plan = plugins.load_strategy(name).plan(cluster)
        assert validate.validate_plan(cluster, plan) == [], name


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_gives_a_cluster_or_one_clean_error(text):
    try:
        snapshot.loads(text)
    except exceptions.InvalidSnapshot as exc:
        assert '\n' not in str(exc)
