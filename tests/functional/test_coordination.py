"""Two agents at once: leader election through tooz on a real Redis.

Two processes compete for leadership, each writing down every moment it
believes it may act. Only one acts; when it is killed (SIGKILL, no clean
stand-down) the other takes over within 4/3 of the lock's time to live,
and at no moment did both believe they could act.
"""

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


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which('redis-server')
    if server is None:
        pytest.fail('redis-server is missing: tools/run-tests installs it')
    port = free_port()
    proc = subprocess.Popen(
        [server, '--port', str(port), '--bind', '127.0.0.1', '--save', '',
         '--appendonly', 'no', '--dir', str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), 0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail('redis-server did not start')
            time.sleep(0.05)
    yield f'redis://127.0.0.1:{port}?timeout={TTL}'
    proc.terminate()
    proc.wait(10)


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
        redis_url, tmp_path):
    logs = {name: str(tmp_path / f'{name}.log') for name in ('a', 'b')}
    procs = {name: subprocess.Popen(
        [sys.executable, '-c', WORKER, redis_url, name, logs[name]])
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


def test_a_second_agent_never_acts_while_the_leader_lives(redis_url,
                                                          tmp_path):
    logs = {name: str(tmp_path / f'{name}.log') for name in ('a', 'b')}
    first = subprocess.Popen([sys.executable, '-c', WORKER, redis_url, 'a',
                              logs['a']])
    try:
        assert wait_for(lambda: moments(logs['a']), 10)
        second = subprocess.Popen([sys.executable, '-c', WORKER, redis_url,
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
