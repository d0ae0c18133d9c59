"""The ``nova-hotspot`` command as an operator runs it."""

import importlib.metadata
import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from nova_hotspot import cli
from tests.unit.clusters import host
from tests.unit.clusters import master
from tests.unit.clusters import vm

FIGURE_2 = pathlib.Path(__file__).parents[2] / 'examples' / 'figure2.json'


def run(*args, stdin=None):
    """Run the installed console script (falls back to the module)."""
    exe = shutil.which('nova-hotspot',
                       path=str(pathlib.Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, '-m', 'nova_hotspot.cli']
    return subprocess.run(cmd + list(args), input=stdin, text=True,
                          capture_output=True, timeout=60)


def test_figure_2_json_is_exactly_m1_from_sv1_to_sv5():
    result = run('plan', '--snapshot', str(FIGURE_2), '--format', 'json',
                 '--strategy', 'paper')
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(m['server'], m['source'], m['target'])
            for m in report['migrations']] == [('M1', 'SV1', 'SV5')]
    assert [h['host'] for h in report['hotspots']] == ['SV1']
    assert report['hotspots'][0]['resources'] == ['cpu']
    assert report['violations'] == []


def test_figure_2_table_shows_hotspot_move_and_reason():
    result = run('plan', '--snapshot', str(FIGURE_2), '--strategy', 'paper')
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # The summary first; units on every number; no opaque score.
    assert lines[0] == ('Strategy paper: 1 hot host (1 CPU), 1 move copying '
                        '20.0 GiB, 1 cured, 0 left hot')
    assert '  SV1: CPU 90.0 > 80.0 vCPU (+10.0) -> CPU 40.0 vCPU, by 1 move ' \
        'copying 20.0 GiB' in lines
    assert '  1. M1: SV1 -> SV5, copies 20.0 GiB, lowers CPU (uses 50.0 ' \
        'vCPU, 1024 MiB)' in lines
    assert '     refused for M1: SV4 (holds S12, its slave); 2 other hosts ' \
        'too full' in lines
    assert 'cost' not in result.stdout and 'c=' not in result.stdout


def test_table_lists_hosts_left_hot_and_why(tmp_path, capsys):
    path = tmp_path / 'snap.json'
    path.write_text(json.dumps({
        'hosts': [host('A'), host('B')],
        'servers': [vm('X', 'A', cpu=90), vm('Y', 'B')]}))
    assert cli.main(['plan', '--snapshot', str(path),
                     '--strategy', 'paper']) == 0
    out = capsys.readouterr().out
    assert 'Left hot (1):' in out
    assert '  A (CPU 90.0 > 80.0 vCPU (+10.0)): no master on the host' in out


def test_missing_thresholds_take_the_command_line_defaults(tmp_path,
                                                           capsys):
    a = host('A')
    del a['cpu_threshold']
    path = tmp_path / 'snap.json'
    path.write_text(json.dumps({
        'hosts': [a, host('B')],
        'servers': [master('M1', 'A', cpu=40), vm('X', 'A', cpu=40)]}))
    # 80 of 100 is not hot at the default 0.8, hot at 0.7.
    assert cli.main(['plan', '--snapshot', str(path), '--format',
                     'json']) == 0
    assert json.loads(capsys.readouterr().out)['migrations'] == []
    assert cli.main(['plan', '--snapshot', str(path), '--format', 'json',
                     '--cpu-threshold', '0.7']) == 0
    report = json.loads(capsys.readouterr().out)
    assert [m['server'] for m in report['migrations']] == ['M1']


def test_snapshot_from_standard_input():
    result = run('plan', '--snapshot', '-', '--format', 'json',
                 stdin=FIGURE_2.read_text())
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)['migrations']) == 1


BAD_INPUT = [
    ('unknown host', {'hosts': [host('A')],
                      'servers': [vm('X', 'B')]},
     "servers[0] (id 'X'): field 'host' names unknown host 'B'"),
    ('NaN usage', '{"hosts": [], "servers": [{"cpu": NaN}]}',
     'NaN is not a number'),
    ('threshold out of range',
     {'hosts': [host('A', cpu_th=0)], 'servers': []},
     "hosts[0] (name 'A'): field 'cpu_threshold' must be in (0, 1]"),
    ('not JSON', 'hosts: []', 'not valid JSON'),
]


@pytest.mark.parametrize('content, message', [c[1:] for c in BAD_INPUT],
                         ids=[c[0] for c in BAD_INPUT])
def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path, content,
                                                   message):
    path = tmp_path / 'bad.json'
    path.write_text(content if isinstance(content, str)
                    else json.dumps(content))
    result = run('plan', '--snapshot', str(path))
    assert result.returncode == cli.EXIT_USAGE
    assert result.stdout == ''
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f'nova-hotspot: error: {path}: ')
    assert message in lines[0]


def test_missing_file_is_one_line(tmp_path):
    result = run('plan', '--snapshot', str(tmp_path / 'nope.json'))
    assert result.returncode == cli.EXIT_USAGE
    assert len(result.stderr.strip().splitlines()) == 1
    assert 'cannot read' in result.stderr


def test_unknown_strategy_names_it_and_the_known_ones():
    result = run('plan', '--snapshot', str(FIGURE_2), '--strategy', 'magic')
    assert result.returncode == cli.EXIT_USAGE
    assert "no plugin named 'magic'" in result.stderr
    assert 'paper' in result.stderr
    assert 'Traceback' not in result.stderr


def test_bad_threshold_option_is_refused():
    result = run('plan', '--snapshot', str(FIGURE_2), '--cpu-threshold',
                 '1.5')
    assert result.returncode == 2
    assert '--cpu-threshold' in result.stderr
    assert 'Traceback' not in result.stderr


def test_strategy_options_change_the_plan(tmp_path, capsys):
    # h1 is hot; cure may move the slave (cheapest) unless only masters may
    # move.
    path = tmp_path / 'snap.json'
    path.write_text(json.dumps({
        'hosts': [host('A'), host('B')],
        'servers': [master('M1', 'A', cpu=30, data=5000),
                    vm('S1', 'A', cpu=30, role='slave', group='g-other',
                       data=100),
                    vm('X', 'A', cpu=30)]}))

    def moved(*options):
        argv = ['plan', '--snapshot', str(path), '--strategy', 'cure',
                '--format', 'json']
        for option in options:
            argv += ['--strategy-option', option]
        assert cli.main(argv) == 0
        report = json.loads(capsys.readouterr().out)
        return [m['server'] for m in report['migrations']]

    assert moved() == ['S1']
    assert moved('movable_roles=master') == ['M1']


def test_bad_strategy_option_is_one_line():
    result = run('plan', '--snapshot', str(FIGURE_2), '--strategy', 'cure',
                 '--strategy-option', 'headroom=2')
    assert result.returncode == cli.EXIT_USAGE
    assert len(result.stderr.strip().splitlines()) == 1
    assert 'headroom' in result.stderr


def test_unknown_strategy_option_is_one_line_listing_the_valid_ones():
    for strategy, known in [('paper', '(known: none)'),
                            ('cure', '(known: movable_roles, headroom, ')]:
        result = run('plan', '--snapshot', str(FIGURE_2), '--strategy',
                     strategy, '--strategy-option', 'nope=1')
        assert result.returncode == cli.EXIT_USAGE
        [line] = result.stderr.splitlines()
        assert line.startswith(f"nova-hotspot: error: strategy {strategy}: "
                               f"unknown option 'nope' {known}"), line


def test_compare_unknown_strategy_is_one_line_on_stderr():
    result = run('compare', '--snapshot', str(FIGURE_2), '--strategy',
                 'nope')
    assert result.returncode == cli.EXIT_USAGE
    assert result.stdout == ''
    [line] = result.stderr.splitlines()
    assert line == ('nova-hotspot: error: compare: --strategy nope: no such '
                    'strategy (known: cure, paper, volume)')


def test_huge_number_in_a_snapshot_is_one_line(tmp_path):
    doc = json.loads(FIGURE_2.read_text())
    text = json.dumps(doc).replace('"cpu": 50', '"cpu": ' + '9' * 5000, 1)
    (tmp_path / 'huge.json').write_text(text)
    for command in ('plan', 'compare'):
        result = run(command, '--snapshot', str(tmp_path / 'huge.json'),
                     '--format', 'json')
        assert result.returncode == cli.EXIT_USAGE, result.stderr
        [line] = result.stderr.splitlines()
        assert "field 'cpu' must be <= 1e+12, got a 5000-digit number" \
            in line, line


def test_json_output_never_has_nan_or_infinity():
    text = cli.dumps({'score': float('inf'), 'list': [float('nan'), 1.5],
                      'nested': {'x': float('-inf')}})
    assert json.loads(text) == {'score': None, 'list': [None, 1.5],
                                'nested': {'x': None}}
    assert 'Infinity' not in text and 'NaN' not in text


def test_pipe_closed_early_ends_quietly(tmp_path):
    """`nova-hotspot plan ... | head -2` was a BrokenPipeError traceback.
    A plan long enough to fill the pipe, its reader gone after 2 lines."""
    hosts = [host(f'H{i}') for i in range(3000)]
    # 1500 hot hosts, each cured by moving its master to an empty host.
    servers = [s for i in range(1500) for s in (
        master(f'M{i}', f'H{i}', cpu=50, mem=1), vm(f'V{i}', f'H{i}',
                                                   cpu=40))]
    path = tmp_path / 'many.json'
    path.write_text(json.dumps({'hosts': hosts, 'servers': servers}))
    exe = shutil.which('nova-hotspot',
                       path=str(pathlib.Path(sys.executable).parent))
    proc = subprocess.Popen([exe, 'plan', '--snapshot', str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == cli.EXIT_PIPE_CLOSED
    assert stderr == b''


def test_both_commands_print_the_installed_version():
    installed = importlib.metadata.version('nova-hotspot')
    assert run('--version').stdout.strip() == f'nova-hotspot {installed}'
    agent = shutil.which('nova-hotspot-agent',
                         path=str(pathlib.Path(sys.executable).parent))
    result = subprocess.run([agent, '--version'], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == installed


def test_strategy_help_names_every_registered_strategy():
    out = run('plan', '--help').stdout
    assert ('planning strategy: cure, paper, volume (default: cure)'
            in ' '.join(out.split()))


@pytest.mark.parametrize('command', [
    ['plan', '--cloud', 'nosuch'],
    ['apply', 'PLAN', '--cloud', 'nosuch'],
])
def test_a_cloud_clouds_yaml_does_not_name_is_a_usage_error(
        tmp_path, monkeypatch, capsys, command):
    """A misspelt --cloud is the operator's mistake (exit 2, one line
    naming it), not a cloud that cannot be reached (apply's exit 3)."""
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text('clouds:\n  minicloud:\n    auth: {}\n')
    monkeypatch.setenv('OS_CLIENT_CONFIG_FILE', str(clouds))
    plan = tmp_path / 'plan.json'
    plan.write_text(json.dumps({'migrations': []}))
    argv = [str(plan) if word == 'PLAN' else word for word in command]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and "cloud 'nosuch'" in err, err
