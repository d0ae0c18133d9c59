"""``openstack hotspot ...`` run in-process through openstackclient's own
shell, on snapshot files: the plugin is found by its entry points, takes
osc's formatters, and gives what ``nova-hotspot`` gives."""

import json
import logging
import pathlib

import yaml
from openstackclient import shell

from nova_hotspot import cli
from nova_hotspot import plugins
from nova_hotspot.core import plan as plan_mod
from tests.unit.clusters import host
from tests.unit.clusters import master
from tests.unit.clusters import vm

FIGURE_2 = pathlib.Path(__file__).resolve().parents[2] / 'examples' / \
    'figure2.json'


def openstack(capsys, *argv):
    """(exit code, stdout, stderr) of ``openstack ARGV``, with no
    credentials anywhere (a snapshot plan needs none)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        code = shell.OpenStackShell().run(list(argv))
    finally:
        # The shell adds a stderr handler to the root logger; this test's
        # captured stderr is gone after the test.
        root.handlers[:] = handlers
        root.setLevel(level)
    out, err = capsys.readouterr()
    return code, out, err


def nova_hotspot(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_json_is_the_nova_hotspot_plan(capsys, monkeypatch):
    for name in ('OS_CLOUD', 'OS_AUTH_URL', 'OS_CLIENT_CONFIG_FILE'):
        monkeypatch.delenv(name, raising=False)
    code, out, err = openstack(capsys, 'hotspot', 'plan', '--snapshot',
                               str(FIGURE_2), '--strategy', 'paper',
                               '-f', 'json')
    assert code == 0, err
    plan = json.loads(out)
    assert [(m['server'], m['source'], m['target'])
            for m in plan['migrations']] == [('M1', 'SV1', 'SV5')]
    _, same, _ = nova_hotspot(capsys, 'plan', '--snapshot', str(FIGURE_2),
                              '--strategy', 'paper', '--format', 'json')
    assert plan == json.loads(same)


def test_plan_takes_osc_formats_and_column_selection(capsys):
    code, out, err = openstack(capsys, 'hotspot', 'plan', '--snapshot',
                               str(FIGURE_2), '-f', 'yaml',
                               '-c', 'strategy', '-c', 'summary')
    assert code == 0, err
    data = yaml.safe_load(out)
    assert set(data) == {'strategy', 'summary'}
    assert data['strategy'] == 'cure'          # the default strategy
    assert data['summary']['moves'] == 1
    code, out, _ = openstack(capsys, 'hotspot', 'plan', '--snapshot',
                             str(FIGURE_2), '-f', 'value', '-c', 'strategy')
    assert (code, out) == (0, 'cure\n')
    code, out, _ = openstack(capsys, 'hotspot', 'plan', '--snapshot',
                             str(FIGURE_2), '-f', 'table')
    assert code == 0 and '| migrations ' in out and 'SV5' in out


def test_compare_is_one_row_per_strategy(capsys):
    code, out, err = openstack(capsys, 'hotspot', 'compare', '--snapshot',
                               str(FIGURE_2), '-f', 'json')
    assert code == 0, err
    rows = json.loads(out)
    assert [r['strategy'] for r in rows] == ['cure', 'paper', 'volume']
    assert all(r['hot_after'] == 0 and r['moves'] == 1 for r in rows)
    code, out, _ = openstack(capsys, 'hotspot', 'compare', '--snapshot',
                             str(FIGURE_2), '-f', 'csv',
                             '-c', 'strategy', '-c', 'moves')
    assert out.splitlines() == ['"strategy","moves"', '"cure",1',
                                '"paper",1', '"volume",1']


def test_bad_input_is_one_line_and_a_failure(capsys, tmp_path):
    code, out, err = openstack(capsys, 'hotspot', 'plan', '--snapshot',
                               str(tmp_path / 'nope.json'))
    assert code == 1
    assert err.strip().splitlines() == [
        f"snapshot {tmp_path / 'nope.json'}: cannot read: [Errno 2] No "
        f"such file or directory: '{tmp_path / 'nope.json'}'"]
    code, _, err = openstack(capsys, 'hotspot', 'plan', '--snapshot',
                             str(FIGURE_2), '--strategy', 'magic')
    assert code == 1
    assert 'known: cure, paper, volume' in err and 'Traceback' not in err


class MoveOntoOwnSlave:
    """A test-only strategy: M1 onto the host of its own slave, a plan
    the validator must refuse."""

    def plan(self, cluster, sources=None):
        return plan_mod.Plan('breaker', (plan_mod.Migration(
            'M1', 'A', 'B', 'breaks anti-affinity on purpose'),))


def test_a_plan_the_validator_refuses_exits_3(capsys, tmp_path,
                                              monkeypatch):
    path = tmp_path / 'snap.json'
    path.write_text(json.dumps({
        'hosts': [host('A'), host('B')],
        'servers': [master('M1', 'A', cpu=90),
                    vm('S1', 'B', role='slave', group='g-M1')]}))
    monkeypatch.setattr(plugins, 'load_strategy',
                        lambda name, **options: MoveOntoOwnSlave())
    code, out, _ = openstack(capsys, 'hotspot', 'plan', '--snapshot',
                             str(path), '-f', 'json')
    assert code == cli.EXIT_INVALID_PLAN
    assert json.loads(out)['violations'] != []


def test_apply_keeps_its_exit_codes_and_reads_osc_credentials(
        capsys, tmp_path, monkeypatch):
    bad = tmp_path / 'bad.json'
    bad.write_text('{"migrations": 3}')
    code, _, err = openstack(capsys, 'hotspot', 'apply', str(bad))
    assert code == cli.EXIT_USAGE
    assert err.strip().splitlines() == [
        f"{bad}: not a plan (no 'migrations' list; make one with "
        f"nova-hotspot plan --format json)"]
    # A good plan file, and openstackclient's credentials naming a
    # Keystone that does not answer: the cloud cannot be reached (3),
    # nothing is done.
    plan = tmp_path / 'plan.json'
    code, out, _ = nova_hotspot(capsys, 'plan', '--snapshot', str(FIGURE_2),
                                '--format', 'json')
    plan.write_text(out)
    for name in ('OS_CLOUD', 'OS_CLIENT_CONFIG_FILE'):
        monkeypatch.delenv(name, raising=False)
    for name, value in (('OS_AUTH_URL', 'http://127.0.0.1:9/v3'),
                        ('OS_USERNAME', 'u'), ('OS_PASSWORD', 'p'),
                        ('OS_PROJECT_NAME', 'p'),
                        ('OS_USER_DOMAIN_NAME', 'Default'),
                        ('OS_PROJECT_DOMAIN_NAME', 'Default')):
        monkeypatch.setenv(name, value)
    code, out, err = openstack(capsys, 'hotspot', 'apply', str(plan))
    assert code == 3, err
    assert out == ''
    assert 'http://127.0.0.1:9/v3' in err and 'Traceback' not in err
