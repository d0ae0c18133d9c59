"""Two agents at once: leader election through tooz, and the state they
share, on a real Redis and a real etcd.

Two processes compete for leadership, each writing down every moment it
believes it may act. Only one acts; when it is killed (SIGKILL, no clean
stand-down) the other takes over within 4/3 of the lock's time to live,
and at no moment did both believe they could act.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

TTL = 3  # seconds: the lock's time to live (?timeout= of the URL)
TAKEOVER_BOUND = TTL * 4 / 3 + 1.0  # + the workers' polling and start-up

WORKER = textwrap.dedent('''\
    import sys, time
    from nova_hotspot.agent import coordination
    url, name, log = sys.argv[1:4]
    leadership = coordination.Leadership(url, 'test-group', member_id=name)
    leadership.start()
    with open(log, 'a', buffering=1) as out:
        while True:
            if leadership.is_leader():
                out.write(f'{time.monotonic()!r}\\n')
            time.sleep(0.02)
    ''')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def wait_listening(proc, port, what):
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail(f'{what} did not start')
            time.sleep(0.05)


def server_binary(name, package):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f'{name} is missing: tools/run-tests installs Debian\'s '
                    f'{package}')
    return path


@contextlib.contextmanager
def serving(argv, port, what):
    """A throw-away server ``argv`` on loopback, up while inside: started,
    waited for on ``port``, terminated at the end."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_listening(proc, port, what)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(10)


@contextlib.contextmanager
def redis_server(tmp_path):
    """A throw-away redis-server on loopback; yields its tooz URL."""
    port = free_port()
    with serving([server_binary('redis-server', 'redis-server'),
                  '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                  '--appendonly', 'no', '--dir', str(tmp_path)],
                 port, 'redis-server'):
        yield f'redis://127.0.0.1:{port}?timeout={TTL}'


@contextlib.contextmanager
def etcd_server(tmp_path):
    """A throw-away single-member etcd on loopback; yields its tooz URL
    (the etcd3gw driver, as tooz speaks etcd's gateway API)."""
    port, peer = free_port(), free_port()
    client, peer_url = (f'http://127.0.0.1:{port}',
                        f'http://127.0.0.1:{peer}')
    with serving([server_binary('etcd', 'etcd-server'), '--name', 'test',
                  '--data-dir', str(tmp_path / 'etcd'),
                  '--listen-client-urls', client,
                  '--advertise-client-urls', client,
                  '--listen-peer-urls', peer_url,
                  '--initial-advertise-peer-urls', peer_url,
                  '--initial-cluster', f'test={peer_url}'],
                 port, 'etcd'):
        yield f'etcd3+http://127.0.0.1:{port}?timeout={TTL}'


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path) as url:
        yield url


@pytest.fixture(params=['redis', 'etcd'])
def backend_url(request, tmp_path):
    """The tooz URL of a real Redis, then of a real etcd: the two backends
    OpenStack deployments use most."""
    server = {'redis': redis_server, 'etcd': etcd_server}[request.param]
    with server(tmp_path) as url:
        yield url


def moments(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [float(line) for line in f if line.strip()]


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_one_leader_acts_and_the_other_takes_over_after_a_kill(
        backend_url, tmp_path):
    logs = {name: str(tmp_path / f'{name}.log') for name in ('a', 'b')}
    procs = {name: subprocess.Popen(
        [sys.executable, '-c', WORKER, backend_url, name, logs[name]])
        for name in logs}
    try:
        assert wait_for(lambda: any(moments(p) for p in logs.values()),
                        TAKEOVER_BOUND + 10), 'nobody became the leader'
        time.sleep(TTL)  # both compete for a while
        leaders = [n for n in logs if moments(logs[n])]
        assert len(leaders) == 1, f'both acted: {leaders}'
        leader = leaders[0]
        standby = 'b' if leader == 'a' else 'a'

        procs[leader].send_signal(signal.SIGKILL)
        procs[leader].wait(10)
        killed_at = time.monotonic()
        assert wait_for(lambda: moments(logs[standby]),
                        TAKEOVER_BOUND + 5), 'the standby never took over'
        took_over = moments(logs[standby])[0]
        assert took_over - killed_at <= TAKEOVER_BOUND
        # At no moment did both act: the standby's first moment comes
        # after the dead leader's last one.
        assert max(moments(logs[leader])) < took_over
    finally:
        for proc in procs.values():
            proc.kill()
            proc.wait(10)


def test_a_second_agent_never_acts_while_the_leader_lives(backend_url,
                                                          tmp_path):
    logs = {name: str(tmp_path / f'{name}.log') for name in ('a', 'b')}
    first = subprocess.Popen([sys.executable, '-c', WORKER, backend_url, 'a',
                              logs['a']])
    try:
        assert wait_for(lambda: moments(logs['a']), 10)
        second = subprocess.Popen([sys.executable, '-c', WORKER, backend_url,
                                   'b', logs['b']])
        try:
            time.sleep(TTL * 2)  # past two lock lifetimes
            assert moments(logs['b']) == []
            assert first.poll() is None
        finally:
            second.kill()
            second.wait(10)
    finally:
        first.kill()
        first.wait(10)


def test_the_state_a_leader_saves_is_what_the_next_leader_reads(
        backend_url, caplog):
    """The agent's state as one document per coordination group in the
    backend (through tooz's own connection): what one agent saved, another
    reads; a corrupted document starts empty with one warning."""
    import logging

    from nova_hotspot.actuators import limits
    from nova_hotspot.agent import coordination
    from nova_hotspot.agent import state
    from nova_hotspot.agent import state_backends
    from nova_hotspot.core import history

    def persistence(member, now):
        leadership = coordination.Leadership(backend_url, 'state-test',
                                             member_id=member)
        leadership.start()
        store = state_backends.for_coordinator(
            leadership.coordinator, leadership.scheme, leadership.group)
        return leadership, state.Persistence(
            store, limits.Cooldowns(600), limits.Quarantine(300),
            history.HotHistory(2, 3), lambda: now)

    first, saved = persistence('a', 1000.0)
    second, read = persistence('b', 1010.0)
    other, elsewhere = persistence('c', 1010.0)
    other.group = 'another-group'
    try:
        assert read.restore() == (0, 0, 0)           # nothing saved yet
        saved.cooldowns.record('S1', 990.0, 'completed')
        saved.quarantine.record('compute2', 995.0, 'migration of S1 to it '
                                                   'timeout')
        saved.history.record_hot(['compute1'])
        saved.save()
        assert read.restore() == (1, 1, 1)
        assert read.cooldowns.items() == {'S1': (990.0, 'completed')}
        assert 'compute2' in read.quarantine.hosts(1010.0)
        assert read.history.persistent(['compute1']) == frozenset()
        assert [set(s) for s in read.history.samples()] == [{'compute1'}]
        # one document per group: another group's agents see none of it
        elsewhere.store = state_backends.for_coordinator(
            other.coordinator, other.scheme, 'another-group')
        assert elsewhere.restore() == (0, 0, 0)
        # a corrupted document: empty, one warning
        saved.store._put(b'{"version": 1, "cooldowns": 7}')
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            again = state.Persistence(
                read.store, limits.Cooldowns(600), limits.Quarantine(300),
                history.HotHistory(2, 3), lambda: 1010.0)
            assert again.restore() == (0, 0, 0)
        [warning] = [r.getMessage() for r in caplog.records
                     if r.levelno >= logging.WARNING]
        assert 'cooldowns: not an object' in warning
    finally:
        for leadership in (first, second, other):
            leadership.stop()


def test_plan_and_apply_on_a_live_cloud_read_the_state_in_the_backend(
        backend_url, tmp_path):
    """nova-hotspot plan --cloud / apply with [coordination] backend_url
    see what the leader saved there (its cooldowns pin servers, its
    quarantines make hosts no targets), as the agent itself would."""
    import time

    from oslo_config import cfg

    from nova_hotspot import conf as hotspot_conf
    from nova_hotspot.actuators import limits
    from nova_hotspot.agent import coordination
    from nova_hotspot.agent import live
    from nova_hotspot.agent import state
    from nova_hotspot.agent import state_backends
    from nova_hotspot.conf import settings as settings_mod
    from nova_hotspot.core import history

    # a file, not set_override: the option groups are shared module
    # objects, an override would reach every later ConfigOpts
    path = tmp_path / 'nova.conf'
    path.write_text(f'[coordination]\nbackend_url = {backend_url}\n'
                    f'group = cli-state\n')
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf([], project='nova', default_config_files=[str(path)])
    settings = settings_mod.load(conf)
    leader = coordination.Leadership(backend_url, 'cli-state',
                                     member_id='leader')
    leader.start()
    try:
        now = time.time()
        saved = state.Persistence(
            state_backends.for_coordinator(leader.coordinator,
                                           leader.scheme, leader.group),
            limits.Cooldowns(settings.cooldown),
            limits.Quarantine(settings.target_quarantine),
            history.HotHistory(2, 3), lambda: now)
        saved.cooldowns.record('S1', now, 'completed')
        saved.quarantine.record('compute2', now, 'migration of S1 to it '
                                                 'timeout')
        saved.save()
        pins, quarantined = live.saved_state(settings, conf=conf)
        assert list(pins) == ['S1'] and 'completed' in pins['S1']
        assert quarantined['compute2'].startswith(
            'quarantined: migration of S1 to it timeout, ')
        # what apply records goes back to the backend, for the agent
        again = live.restore_limits(settings, conf=conf)
        again.cooldowns.record('S2', now, 'completed')
        assert set(live.saved_state(settings, conf=conf)[0]) == {'S1', 'S2'}
    finally:
        leader.stop()
