"""Hotspots by use, on the minicloud: servers made busy through its load
file, measured by the real Prometheus (scraping the minicloud's libvirt
exporter) or by Nova's server diagnostics (the load-following fake
driver), and judged against the hosts' physical capacity.

The module restarts the minicloud with CPU overcommit (allocation ratio
4): only then can a host be hot by use while its allocations are far from
full. Every host is 1000 vCPUs; a server's flavor is 400 vCPUs, so three
of them allocate 1200 of 4000 (30 %) and, each busy with 300 vCPUs, use
900 of 1000 physical vCPUs (90 % > 80 %).
"""

import time

import cloud_helpers
import pytest
import requests
from agent_helpers import make_agent

from nova_hotspot.conf import prometheus as prometheus_conf

pytestmark = pytest.mark.minicloud

RATIO = 4.0
FLAVOR_VCPUS = 400
RAM = 512
#: Short enough for tests: Prometheus scrapes the exporter every 2 s.
WINDOW = 8
BUSY = 300.0        # three busy servers: 900 of 1000 vCPUs, hot
CALM = 100.0        # three calm servers: 300 of 1000, not hot


@pytest.fixture(scope='module')
def busy_cloud(minicloud):
    """The minicloud with overcommit; its status (load_file,
    prometheus_url)."""
    status = cloud_helpers.minicloud_status()
    if status.get('cpu_allocation_ratio') != RATIO or not status.get(
            'running'):
        cloud_helpers.minicloud(
            'start', '--computes', str(len(minicloud.compute_hosts)),
            '--cpu-allocation-ratio', str(RATIO),
            '--ram-allocation-ratio', str(RATIO))
        status = cloud_helpers.minicloud_status()
    assert status['running'] and status['load_file'] and \
        status['prometheus_url'], status
    yield status
    cloud_helpers.write_load_file(status['load_file'], {})


class Load:
    """The load file of one test; Prometheus waits."""

    def __init__(self, status):
        self.path = status['load_file']
        self.prometheus = status['prometheus_url']
        self.servers = {}

    def set(self, server, cpu, mem_mb=100, metrics=True):
        self.servers[server.id] = {'cpu': cpu, 'mem_mb': mem_mb,
                                   'metrics': metrics}
        cloud_helpers.write_load_file(self.path, self.servers)

    def cpu_seen(self, server_id):
        """The CPU rate Prometheus gives the server now (the agent's own
        default query, over WINDOW), or None."""
        options = prometheus_conf.PrometheusOptions(
            url=self.prometheus, window=WINDOW)
        answer = requests.post(
            self.prometheus + '/api/v1/query',
            data={'query': options.query(options.cpu_query)}, timeout=5)
        answer.raise_for_status()
        for series in answer.json()['data']['result']:
            if series['metric'].get('instance_id') == server_id:
                return float(series['value'][1])
        return None

    def settled(self, timeout=60, idle=(), stable=0.0):
        """Wait until Prometheus's rates match the load file (within 2 %
        of the servers' busy vCPUs), and are 0 for the ``idle`` servers
        (absent from the file): a new server has no rate until two scrapes
        of it fall into the window. ``stable``: seconds the match must
        hold (after a gap in the samples, e.g. a Prometheus restart, rate()
        underestimates until the window holds only new samples)."""
        expected = {s.id: 0.0 for s in idle}
        expected.update({sid: e['cpu'] for sid, e in self.servers.items()
                         if e['metrics']})

        since = []

        def matches():
            for server_id, cpu in expected.items():
                seen = self.cpu_seen(server_id)
                if seen is None or abs(seen - cpu) > max(0.02 * cpu, 0.5):
                    since.clear()
                    return False
            since.append(time.monotonic())
            return since[-1] - since[0] >= stable
        cloud_helpers.wait_for('Prometheus to see the load', matches,
                               timeout=timeout, interval=1.0)


@pytest.fixture
def load(busy_cloud):
    current = Load(busy_cloud)
    yield current
    cloud_helpers.write_load_file(current.path, {})


@pytest.fixture
def hosts(busy_cloud, minicloud):
    return list(minicloud.compute_hosts)[:5]


def agent_for(tmp_path, helpers, busy_cloud, source, **options):
    settings = dict(usage_source=source, capacity='physical',
                    strategy='cure', prometheus_url=busy_cloud[
                        'prometheus_url'],
                    prometheus_window=WINDOW,
                    diagnostics_sample_seconds=2)
    settings.update(options)
    return make_agent(tmp_path, helpers.info, **settings)


def boot(helpers, host, vcpus=FLAVOR_VCPUS):
    return helpers.boot_server((vcpus, RAM, 1), host=host,
                               name=helpers.name(f'busy-{host}'))


def busy_host(helpers, load, host, cpu=BUSY):
    servers = [boot(helpers, host) for _ in range(3)]
    for server in servers:
        load.set(server, cpu)
    return servers


SOURCES = ['prometheus', 'diagnostics']


# --- (a) hot by use, cool by allocation: detected and cured ---------------

@pytest.mark.parametrize('source', SOURCES)
def test_host_hot_by_use_under_its_allocations_is_cured(
        source, helpers, load, hosts, busy_cloud, tmp_path, admin_conn):
    c1 = hosts[0]
    servers = busy_host(helpers, load, c1)
    load.settled()
    by_allocation = agent_for(tmp_path, helpers, busy_cloud, 'placement',
                              capacity='allocation', dry_run='true')
    assert by_allocation.run_once().hotspots == []

    agent = agent_for(tmp_path, helpers, busy_cloud, source)
    report = agent.run_once()
    assert report.error is None, report.error
    assert [(h.host, h.resources[0].value) for h in report.hotspots] == [
        (c1, 'cpu')]
    assert report.hotspots[0].cpu_used == pytest.approx(900, rel=0.03)
    [outcome] = report.outcomes
    assert outcome.result == 'completed' and outcome.source == c1
    moved = outcome.server
    assert moved in {s.id for s in servers}
    assert helpers.server_host(moved) == outcome.target != c1

    load.settled()
    after = agent_for(tmp_path, helpers, busy_cloud, source).run_once()
    assert after.error is None and after.hotspots == []


# --- (b) full by allocation but idle: left alone --------------------------

@pytest.mark.parametrize('source', SOURCES)
def test_host_full_by_allocation_but_idle_is_left_alone(
        source, helpers, load, hosts, busy_cloud, tmp_path):
    c2 = hosts[1]
    # 3.6 of 4 allocation units of 1000 vCPUs: 90 % allocated, 0 used.
    idle = [boot(helpers, c2) for _ in range(9)]
    load.settled(idle=idle)
    by_allocation = agent_for(tmp_path, helpers, busy_cloud, 'placement',
                              capacity='allocation', dry_run='true')
    assert [h.host for h in by_allocation.run_once().hotspots] == [c2]
    report = agent_for(tmp_path, helpers, busy_cloud, source).run_once()
    assert report.error is None, report.error
    assert report.hotspots == [] and report.outcomes == []


# --- (c) a spike in one of three samples moves nothing ---------------------

def test_spike_moves_nothing_sustained_load_is_cured(
        helpers, load, hosts, busy_cloud, tmp_path):
    c1 = hosts[0]
    servers = busy_host(helpers, load, c1, cpu=CALM)
    load.settled()
    agent = agent_for(tmp_path, helpers, busy_cloud, 'prometheus',
                      hot_samples_required=2, hot_samples_window=3)

    def sample(cpu):
        for server in servers:
            load.set(server, cpu)
        load.settled()
        return agent.run_once()

    assert sample(CALM).hotspots == []
    spike = sample(BUSY)
    assert [h.host for h in spike.hotspots] == [c1]
    assert spike.outcomes == []           # hot in 1 of the last 2 samples
    for _ in range(2):                    # the spike leaves the window
        calm = sample(CALM)
        assert calm.hotspots == [] and calm.outcomes == []
    first = sample(BUSY)                  # hot in 1 of the last 3
    assert [h.host for h in first.hotspots] == [c1]
    assert first.outcomes == []
    second = sample(BUSY)                 # 2 of 3: sustained
    assert [(o.source, o.result) for o in second.outcomes] == [
        (c1, 'completed')]


# --- (d) a server without samples keeps its flavor -------------------------

@pytest.mark.parametrize('source', SOURCES)
def test_server_without_samples_gets_its_flavor_and_a_warning(
        source, helpers, load, hosts, busy_cloud, tmp_path, caplog):
    c3 = hosts[2]
    quiet = boot(helpers, c3)
    busy = boot(helpers, c3)
    load.set(busy, CALM)
    load.set(quiet, 50.0, metrics=False)
    load.settled()
    caplog.set_level('WARNING')
    report = agent_for(tmp_path, helpers, busy_cloud, source,
                       dry_run='true').run_once()
    assert report.error is None, report.error
    # quiet counts with its whole flavor (400), busy with its use (100).
    cluster = report.collection.cluster
    assert cluster.server(quiet.id).cpu == FLAVOR_VCPUS
    assert cluster.server(busy.id).cpu == pytest.approx(CALM, rel=0.03)
    assert any(quiet.id in r.getMessage() and r.levelname == 'WARNING'
               for r in caplog.records), caplog.text


# --- (e) Prometheus stopped mid-run ----------------------------------------

def test_prometheus_stopped_skips_the_cycle_and_recovers(
        helpers, load, hosts, busy_cloud, tmp_path, caplog):
    c1 = hosts[0]
    busy_host(helpers, load, c1)
    load.settled()
    agent = agent_for(tmp_path, helpers, busy_cloud, 'prometheus',
                      dry_run='true', prometheus_timeout=3)
    assert [h.host for h in agent.run_once().hotspots] == [c1]
    cloud_helpers.minicloud('prometheus', 'stop')
    try:
        caplog.clear()
        caplog.set_level('INFO')
        down = agent.run_once()
        assert down.error and 'Prometheus' in down.error
        assert down.plan is None and down.outcomes == []
        failed = [r for r in caplog.records if r.levelname == 'ERROR']
        assert len(failed) == 1 and 'Prometheus' in failed[0].getMessage()
        assert 'Traceback' not in caplog.text
    finally:
        cloud_helpers.minicloud('prometheus', 'start')
    load.settled(timeout=90, stable=WINDOW + 2)
    back = agent.run_once()
    assert back.error is None, back.error
    assert [h.host for h in back.hotspots] == [c1], (
        [(s.id, s.cpu) for s in back.collection.cluster.servers],
        {sid: load.cpu_seen(sid) for sid in load.servers})


# --- (f) calls per cycle do not grow with the servers ----------------------

def test_calls_per_cycle_stay_constant_as_servers_are_added(
        helpers, load, hosts, busy_cloud, tmp_path):
    for host in hosts[:2]:
        load.set(boot(helpers, host), CALM)
    load.settled()
    agent = agent_for(tmp_path, helpers, busy_cloud, 'prometheus',
                      dry_run='true')
    agent.run_once()                     # token and discovery
    before = agent.run_once()
    for host in hosts:
        for _ in range(2):
            load.set(boot(helpers, host, vcpus=10), 5.0)
    load.settled()
    after = agent.run_once()
    assert before.error is None and after.error is None
    assert len(after.collection.cluster.servers) == \
        len(before.collection.cluster.servers) + 2 * len(hosts)
    # The only calls that may grow: Placement re-reads a provider's
    # inventory once its generation moved (each boot is an allocation),
    # so at most one read per host, however many servers it gained.
    grown = {k: after.api_calls.get(k, 0) - before.api_calls.get(k, 0)
             for k in set(after.api_calls) | set(before.api_calls)}
    reads = {k: v for k, v in grown.items()
             if k.endswith('/resource_providers/{id}/inventories')}
    assert {k: v for k, v in grown.items() if v and k not in reads} == {}, (
        before.api_calls, after.api_calls)
    assert sum(reads.values()) <= len(hosts), after.api_calls
    prometheus_calls = {k: v for k, v in after.api_calls.items()
                        if k.split()[1].startswith(
                            busy_cloud['prometheus_url'].rsplit(':', 1)[1])}
    assert sum(prometheus_calls.values()) == 2, after.api_calls

