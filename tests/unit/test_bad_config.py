"""Bad configuration (issue 5, item 7): nova-hotspot-agent, started as a
process, refuses to start with exit code 2 and one line on stderr naming
the option. No cloud is needed: every config here fails before the agent
talks to one (the credentials point at a closed port). Credentials a
real Keystone refuses or that lack rights: tests/functional/
test_faults_config.py.
"""

import os
import subprocess
import sys
import time

import pytest

AGENT = os.path.join(os.path.dirname(sys.executable), 'nova-hotspot-agent')

AUTH = {'auth_type': 'password', 'auth_url': 'http://127.0.0.1:9/v3',
        'username': 'nova', 'password': 'secret-pw',
        'project_name': 'service', 'user_domain_name': 'Default',
        'project_domain_name': 'Default'}

# (name, [hotspot] changes (None removes an option), expected in stderr)
CASES = [
    ('cpu-threshold-above-1', {'cpu_threshold': '1.5'},
     '[hotspot] cpu_threshold'),
    ('cpu-threshold-negative', {'cpu_threshold': '-0.2'},
     '[hotspot] cpu_threshold'),
    ('mem-threshold-zero', {'mem_threshold': '0'},
     '[hotspot] mem_threshold: invalid value: must be in (0, 1], got 0.0'),
    ('threshold-not-a-number', {'mem_threshold': 'high'},
     '[hotspot] mem_threshold'),
    ('negative-concurrency', {'max_concurrent_migrations': '-1'},
     '[hotspot] max_concurrent_migrations'),
    ('negative-per-host', {'max_migrations_per_host': '-3'},
     '[hotspot] max_migrations_per_host'),
    ('negative-per-cycle', {'max_migrations_per_cycle': '-1'},
     '[hotspot] max_migrations_per_cycle'),
    ('negative-cooldown', {'cooldown': '-5'}, '[hotspot] cooldown'),
    ('negative-interval', {'interval': '-10'}, '[hotspot] interval'),
    ('zero-interval', {'interval': '0'}, '[hotspot] interval'),
    ('zero-migration-timeout', {'migration_timeout': '0'},
     '[hotspot] migration_timeout'),
    ('negative-poll', {'migration_poll_interval': '-1'},
     '[hotspot] migration_poll_interval'),
    ('bad-metrics-port', {'metrics_port': '70000'},
     '[hotspot] metrics_port'),
    ('unknown-strategy', {'strategy': 'nope'},
     "[hotspot] strategy: nova_hotspot.strategies: no plugin named 'nope'"),
    ('unknown-usage', {'usage_source': 'guess'},
     "[hotspot] usage_source: nova_hotspot.usage: no plugin named 'guess'"),
    ('unknown-actuator', {'actuator': 'teleport'},
     "[hotspot] actuator: nova_hotspot.actuators: no plugin named "
     "'teleport'"),
    ('no-credentials', {k: None for k in AUTH},
     '[hotspot] auth_type: not set'),
    ('credentials-without-password', {'password': None},
     '[hotspot] password'),
    ('credentials-without-auth-url', {'auth_url': None},
     '[hotspot] auth_url'),
    ('unknown-auth-type', {'auth_type': 'magic'}, '[hotspot] auth_type'),
]


def write(path, changes):
    options = {'enabled': 'true', **AUTH}
    for key, value in changes.items():
        if value is None:
            options.pop(key, None)
        else:
            options[key] = value
    lines = ['[DEFAULT]', 'debug = false', '', '[hotspot]']
    lines += [f'{k} = {v}' for k, v in options.items()]
    path.write_text('\n'.join(lines) + '\n')
    return path


@pytest.fixture(scope='module')
def results(tmp_path_factory):
    """Start every case's agent at once (each takes ~1.5 s of imports);
    name -> (exit code, stdout, stderr)."""
    base = tmp_path_factory.mktemp('bad-config')
    procs = {}
    for name, changes, _ in CASES:
        config = write(base / f'{name}.conf', changes)
        procs[name] = subprocess.Popen(
            [AGENT, '--config-file', str(config), '--once'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL)
    out = {}
    for name, proc in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        out[name] = (proc.returncode, stdout, stderr)
    return out


@pytest.mark.parametrize('name,expected', [(c[0], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_refuses_to_start_with_one_line_naming_the_option(results, name,
                                                          expected):
    code, stdout, stderr = results[name]
    lines = stderr.splitlines()
    assert code == 2, (code, stdout, stderr)
    assert len(lines) == 1, stderr
    assert lines[0].startswith('nova-hotspot-agent: error: '), stderr
    assert expected in lines[0], stderr
    assert 'Traceback' not in stdout + stderr
    assert AUTH['password'] not in stdout + stderr


def test_a_valid_config_gets_past_the_checks(tmp_path):
    """The same config without a fault starts: the closed port is only a
    warning at start and a failed cycle (exit 1 with --once), not a
    refusal."""
    config = write(tmp_path / 'ok.conf', {})
    result = subprocess.run([AGENT, '--config-file', str(config), '--once'],
                            capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result
    assert 'cannot check the cloud at start' in result.stdout + \
        result.stderr
    assert 'cycle 1 failed' in result.stdout + result.stderr


def run_agent(config, timeout=120):
    return subprocess.run([AGENT, '--config-file', str(config), '--once'],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def with_coordination(path, backend_url):
    write(path, {})
    with open(path, 'a') as f:
        f.write(f'\n[coordination]\nbackend_url = {backend_url}\n')
    return path


def test_unknown_coordination_backend_is_one_line(tmp_path):
    """Issue 11: a stevedore NoMatches traceback before."""
    result = run_agent(with_coordination(tmp_path / 'foo.conf',
                                         'foo://admin:hush@bar'))
    assert result.returncode == 2, result
    [line] = result.stderr.splitlines()
    assert line.startswith("nova-hotspot-agent: error: [coordination] "
                           "backend_url: unknown tooz backend 'foo' in "
                           "foo://admin:***@bar (known: "), line
    assert 'redis' in line
    assert 'hush' not in result.stdout + result.stderr
    assert 'Traceback' not in result.stdout + result.stderr


def test_unreachable_coordination_backend_fails_within_its_timeout(
        tmp_path):
    """Issue 11: a closed Redis port took 62 s of silence (tooz's and
    redis-py's retries); the URL's timeout bounds the start now."""
    import socket
    with socket.socket() as s:       # a port nobody listens on
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    url = f'redis://agent:s3cr3t@127.0.0.1:{port}?timeout=2'
    start = time.monotonic()
    result = run_agent(with_coordination(tmp_path / 'redis.conf', url))
    elapsed = time.monotonic() - start
    assert result.returncode == 2, result
    [line] = result.stderr.splitlines()
    assert line.startswith('nova-hotspot-agent: error: [coordination] '
                           'backend_url: '), line
    assert f'redis://agent:***@127.0.0.1:{port}?timeout=2' in line, line
    assert 's3cr3t' not in result.stdout + result.stderr
    assert elapsed < 15, elapsed        # ~1.5 s of imports + 2 s


def test_misspelled_options_are_warned_about_with_the_closest_name(
        tmp_path):
    # tenant_name: keystoneauth's old name of project_name, still valid
    config = write(tmp_path / 'typo.conf', {'cpu_treshold': '0.5',
                                            'cooldwon': '60',
                                            'project_name': None,
                                            'tenant_name': 'service'})
    with open(config, 'a') as f:
        f.write('\n[coordination]\nbackend_ulr = redis://x\n')
    result = run_agent(config)
    output = result.stdout + result.stderr
    assert result.returncode == 1, result     # the closed port: cycle failed
    for wrong, right in [('[hotspot] cpu_treshold', 'cpu_threshold'),
                         ('[hotspot] cooldwon', 'cooldown'),
                         ('[coordination] backend_ulr', 'backend_url')]:
        [line] = [x for x in output.splitlines() if wrong in x]
        assert 'WARNING' in line
        assert f'unknown option, ignored (did you mean {right}?)' in line
    # the credentials keystoneauth registered are known options
    assert 'username: unknown' not in output
    assert 'password: unknown' not in output
    assert 'tenant_name: unknown' not in output
