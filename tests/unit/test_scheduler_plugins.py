"""The scheduler plugins as nova-scheduler loads them, run with nova's own
Python (the minicloud's nova virtualenv, where nova is installed; the
project's virtualenv has no nova): the class paths resolve, importing
them adds no module outside nova_hotspot, the filter reads the hot set
once for all hosts and fails open, the weigher orders unmarked > near >
hot. Placement's answer is plain data here; tests/functional/
test_scheduler.py runs them in the real nova-scheduler."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HOME = os.environ.get('MINICLOUD_HOME', '/var/lib/nova-hotspot-minicloud')
NOVA_PYTHON = pathlib.Path(HOME, 'venvs', 'nova', 'bin', 'python')

pytestmark = pytest.mark.skipif(
    not NOVA_PYTHON.exists(),
    reason=f'no nova virtualenv at {NOVA_PYTHON} (tools/minicloud/minicloud '
           f'install makes it)')


@pytest.fixture(scope='module')
def found():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [str(NOVA_PYTHON), '-W', 'ignore',
         str(ROOT / 'tests' / 'unit' / 'nova_side' / 'check_plugins.py')],
        capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout), out.stderr


def test_class_paths_resolve_in_novas_loaders(found):
    result, _ = found
    assert result['filter_loaded'] and result['weigher_loaded']


def test_importing_the_plugins_adds_nothing_but_nova_hotspot(found):
    # nova already imported: no agent dependency (stevedore, futurist,
    # tooz, numpy, prometheus_client, ...) comes in with the plugins.
    assert found[0]['new_modules'] == []


def test_options_in_their_own_group_on_novas_conf(found):
    assert found[0]['options'] == {'cache_seconds': 5,
                                   'weight_multiplier': 1.0,
                                   'endpoint_override': None}


def test_filter_refuses_the_hot_host_with_one_read_per_request(found):
    result, _ = found
    others = [f'h{i}' for i in range(1, 11) if i != 3]
    assert result['passing'] == others
    assert result['passing_second_instance'] == others
    assert result['hot_reads_for_one_request'] == 1
    assert result['host_passes_h3'] is False


def test_rebuild_is_not_filtered_and_reads_nothing(found):
    result, _ = found
    assert result['rebuild_passing'] == [f'h{i}' for i in range(1, 11)]
    assert result['hot_reads_after_rebuild'] == 1


def test_weigher_prefers_unmarked_then_near_then_hot(found):
    result, _ = found
    assert result['weights'] == {'h1': 1.0, 'h4': 1.0, 'h2': 0.5, 'h3': 0.0}
    # The hot set the filter read for this request serves the weigher too.
    assert result['reads_after_weighing'] == {'hot': 1, 'near': 1}
    assert result['weights_multiplier_3'] == {'h1': 3.0, 'h4': 3.0,
                                              'h2': 1.5, 'h3': 0.0}


def test_placement_down_every_host_passes_weighs_the_same_logs_once(found):
    result, stderr = found
    assert result['passing_placement_down'] == [f'h{i}' for i in
                                                range(1, 11)]
    assert result['weights_placement_down'] == [1.0]
    assert stderr.count('cannot read the hot hosts') == 1
    assert 'every host passes' in stderr
