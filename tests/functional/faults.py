"""Fault injection for the reliability tests (tests/functional/test_faults*).

- ``FaultProxy``: a small HTTP proxy in front of one real endpoint (e.g.
  nova-api) whose answers a rule decides per request: pass it on, answer
  500, answer slowly, or drop the connection without an answer.
- ``paused(service)``: SIGSTOP a minicloud service's process group (a hung
  nova-compute: still "up" for Nova until service_down_time, answers no
  RPC) and SIGCONT it afterwards, whatever happens.
- ``killed_compute(host)``: ``minicloud compute kill HOST`` (SIGKILL its
  nova-compute: a crashed host) when told to, ``minicloud compute start
  HOST`` afterwards, whatever happens.
- ``AgentProcess``: nova-hotspot-agent as a real process, its output in a
  file.
- ``proxied_agent``: an in-process Agent whose compute endpoint is the
  proxy (the [hotspot] options have no endpoint override; openstacksdk's
  ``compute_endpoint_override`` does it).
"""

import contextlib
import http.client
import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

import cloud_helpers
import openstack
from agent_helpers import write_config
from oslo_config import cfg

from nova_hotspot import conf as hotspot_conf
from nova_hotspot.agent import cycle
from nova_hotspot.cloud import ApiCounter
from nova_hotspot.cloud import Cloud
from nova_hotspot.core import words

PASS, ERROR, DROP = 'pass', 'error', 'drop'
HOP_BY_HOP = {'connection', 'keep-alive', 'transfer-encoding',
              'content-length', 'proxy-connection', 'upgrade'}


class FaultProxy:
    """HTTP proxy to ``upstream`` (scheme://host:port).

    ``rule(method, path)`` returns PASS, ERROR, DROP or ('slow', seconds);
    set ``proxy.rule`` at any time. ``seen`` lists (method, path, action).
    """

    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.rule = lambda method, path: PASS
        self.seen = []
        self.tokens = set()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else None
                action = proxy.rule(self.command, self.path)
                proxy.seen.append((self.command, self.path, action))
                if self.headers.get('X-Auth-Token'):
                    proxy.tokens.add(self.headers['X-Auth-Token'])
                if action == DROP:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if action == ERROR:
                    data = (b'{"computeFault": {"code": 500, "message": '
                            b'"injected fault"}}')
                    self.send_response(500)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if isinstance(action, tuple) and action[0] == 'slow':
                    time.sleep(action[1])
                up = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port,
                    timeout=60)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP}
                up.request(self.command, self.path, body=body,
                           headers=headers)
                resp = up.getresponse()
                data = resp.read()
                up.close()
                # The proxy hides itself: URLs in answers (links, version
                # documents) keep naming the real endpoint, which the SDK
                # ignores since the endpoint override wins.
                self.send_response(resp.status, resp.reason)
                for key, value in resp.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = \
                _any

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f'http://127.0.0.1:{self.port}'
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def compute_endpoint(conn):
    """The compute endpoint of the catalog, e.g. http://127.0.0.1:8774/v2.1."""
    return conn.compute.get_endpoint()


def proxied_agent(tmp_path, cloud_info, proxy_url, timeout=3, **options):
    """An Agent configured like the process would be, whose compute API
    calls go through ``proxy_url`` (Keystone and Placement stay direct)."""
    path = write_config(tmp_path / 'nova.conf', cloud_info, **options)
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf([], project='nova', default_config_files=[str(path)])
    files = [cloud_info.config_file] if cloud_info.config_file else None
    region = openstack.config.OpenStackConfig(config_files=files).get_one(
        cloud=cloud_info.admin_cloud, compute_endpoint_override=proxy_url,
        api_timeout=timeout)
    conn = openstack.connection.Connection(
        config=region, compute_api_version='2.88')
    counter = ApiCounter()
    conn.session.session.hooks['response'].append(counter.hook)
    return cycle.Agent(conf, cloud=Cloud(conn, counter))


def label(server):
    """How the agent names a server in its log: ``name (id)``."""
    return words.label(server.id, server.name)


def moved(server, source, target, result=None):
    """How the agent logs a move (plan_report.outcome_line): ``name (id)
    source -> target: result``, or without the result."""
    text = f'{label(server)} {source} -> {target}'
    return text if result is None else f'{text}: {result}'


# --- minicloud services ---------------------------------------------------

def _pgid(service):
    run_dir = cloud_helpers.minicloud_status()['run_dir']
    with open(os.path.join(run_dir, 'pids', f'{service}.pid')) as f:
        return int(f.read().strip())


@contextlib.contextmanager
def paused(service):
    """SIGSTOP a minicloud service (e.g. 'nova-compute-compute3') for the
    block; SIGCONT afterwards whatever happens."""
    pgid = _pgid(service)
    os.killpg(pgid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(pgid, signal.SIGCONT)


class killed_compute:  # noqa: N801 - used as a context manager
    """``with killed_compute(host) as compute: ... compute.kill()``: the
    compute's nova-compute is SIGKILLed at ``kill()`` and started again
    when the block ends (if it was killed)."""

    def __init__(self, host):
        self.host = host
        self.killed = False

    def kill(self):
        cloud_helpers.minicloud('compute', 'kill', self.host, capture=True)
        self.killed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.killed:
            cloud_helpers.minicloud('compute', 'start', self.host,
                                    capture=True)


def resume(service):
    """SIGCONT a paused service before its ``paused`` block ends."""
    os.killpg(_pgid(service), signal.SIGCONT)


def wait_compute_up(conn, host, timeout=90):
    """Until the compute service of ``host`` is up and enabled again."""
    def up():
        return any(s.state == 'up' and s.status == 'enabled'
                   for s in conn.compute.services(host=host,
                                                  binary='nova-compute'))
    return cloud_helpers.wait_for(f'{host} up', up, timeout=timeout)


# --- the agent as a process -----------------------------------------------

AGENT_BIN = os.path.join(os.path.dirname(sys.executable),
                         'nova-hotspot-agent')


class AgentProcess:
    """nova-hotspot-agent --config-file CONFIG, stdout+stderr to a file."""

    def __init__(self, config, log, *args):
        self.log = log
        self.out = open(log, 'a')
        self.proc = subprocess.Popen(
            [AGENT_BIN, '--config-file', str(config), *args],
            stdout=self.out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL)

    def text(self):
        return self.log.read_text()

    def wait_for(self, needle, timeout=60):
        """Until ``needle`` (a string or a predicate on the log text)
        shows in the log; fails if the process dies first."""
        check = needle if callable(needle) else (lambda t: needle in t)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if check(text):
                return text
            if self.proc.poll() is not None:
                raise AssertionError(f'agent exited {self.proc.returncode} '
                                     f'before {needle!r}:\n{text}')
            if time.monotonic() > deadline:
                raise AssertionError(f'no {needle!r} after {timeout}s:\n'
                                     f'{text}')
            time.sleep(0.1)

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(30)
        self.out.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def run_agent(config, *args, timeout=120):
    """Run nova-hotspot-agent to its end; (exit code, stdout, stderr)."""
    result = subprocess.run([AGENT_BIN, '--config-file', str(config), *args],
                            capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    return result.returncode, result.stdout, result.stderr
