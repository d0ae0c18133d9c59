"""The minicloud's servers get busy: load file, load-following fake driver,
libvirt-style exporter, real Prometheus, allocation ratios.

Load is set per server through the load file (helpers.set_load); Nova's
diagnostics (microversion 2.48, through openstacksdk) and Prometheus's HTTP
API (through requests) must show it.  Every wait is bounded.
"""

import os
import time

import cloud_helpers
import pytest
import requests
from openstack import exceptions as sdk_exc

pytestmark = pytest.mark.minicloud

LOAD_DRIVER = cloud_helpers.LOAD_DRIVER
MB = 1024 * 1024
CPU_RATE = ('rate(libvirt_domain_info_cpu_time_seconds_total[10s]) '
            '* on(domain) group_left(instance_id) '
            'libvirt_domain_openstack_info')
MEM_USED = ('(libvirt_domain_memory_stats_available_bytes '
            '- libvirt_domain_memory_stats_usable_bytes) '
            '* on(domain) group_left(instance_id) '
            'libvirt_domain_openstack_info')
# Load file change -> driver (1 s) -> scrape (2 s) -> a 10 s rate window.
PROMETHEUS_WAIT = 60


@pytest.fixture
def load_hosts(minicloud):
    """Two compute hosts with the load driver."""
    hosts = [h for h in minicloud.compute_hosts
             if minicloud.drivers.get(h) == LOAD_DRIVER]
    if len(hosts) < 2:
        pytest.skip('needs two %s computes' % LOAD_DRIVER)
    return hosts[:2]


@pytest.fixture
def prometheus(minicloud):
    url = minicloud.status.get('prometheus_url')
    assert url, 'minicloud status --json has no prometheus_url'
    return url


def query(url, promql):
    """Instant query -> list of (labels, float value)."""
    answer = requests.post(url + '/api/v1/query', data={'query': promql},
                           timeout=10)
    answer.raise_for_status()
    body = answer.json()
    assert body['status'] == 'success', body
    return [(r['metric'], float(r['value'][1]))
            for r in body['data']['result']]


def by_instance(url, promql):
    return {labels['instance_id']: value
            for labels, value in query(url, promql)}


def close(value, wanted, rel=0.1, abs_=0.05):
    return value is not None and abs(value - wanted) <= max(
        abs_, rel * wanted)


def diagnostics(conn, server):
    diag = conn.compute.get_server_diagnostics(server)
    return (sum(cpu['time'] for cpu in diag.cpu_details),
            diag.memory_details, diag)


def diag_rate(conn, server, seconds=4.0):
    """Busy vCPUs from two diagnostics `seconds` apart, and the samples."""
    first, _mem, _diag = diagnostics(conn, server)
    started = time.monotonic()
    time.sleep(seconds)
    second, _mem, _diag = diagnostics(conn, server)
    return (second - first) / 1e9 / (time.monotonic() - started), first, \
        second


def test_status_names_the_load_file_and_prometheus(minicloud):
    status = cloud_helpers.minicloud_status()
    assert status['load_file'].endswith('/load.json')
    assert cloud_helpers.read_load_file(status['load_file']) is not None
    assert status['prometheus_url'].startswith('http://127.0.0.1:')
    assert status['cpu_allocation_ratio'] > 0
    assert status['ram_allocation_ratio'] > 0
    answer = requests.get(status['prometheus_url'] + '/-/ready', timeout=5)
    assert answer.status_code == 200


def test_diagnostics_follow_the_load_file(admin_conn, helpers, load_hosts):
    server = helpers.boot_server((4, 4096), host=load_hosts[0])
    _cpu, memory, diag = diagnostics(admin_conn, server)
    assert diag.num_cpus == 4 and len(diag.cpu_details) == 4
    assert memory == {'maximum': 4096, 'used': 0}   # absent: uses nothing
    rate, _a, _b = diag_rate(admin_conn, server, 2.0)
    assert rate < 0.05

    helpers.set_load(server, cpu=2.5, mem_mb=1500)
    cloud_helpers.wait_for('diagnostics memory used 1500', lambda: diagnostics(
        admin_conn, server)[1]['used'] == 1500, timeout=10)
    rate, first, second = diag_rate(admin_conn, server)
    assert close(rate, 2.5), rate
    assert second > first

    # Use never exceeds the flavor: 4 vCPUs, 4096 MB.
    helpers.set_load(server, cpu=9, mem_mb=100000)
    cloud_helpers.wait_for('diagnostics memory capped', lambda: diagnostics(
        admin_conn, server)[1]['used'] == 4096, timeout=10)
    rate, third, _fourth = diag_rate(admin_conn, server)
    assert close(rate, 4.0), rate
    assert third >= second     # monotonic per server


def test_a_server_without_metrics(admin_conn, helpers, load_hosts,
                                  prometheus):
    quiet = helpers.boot_server((2, 1024), host=load_hosts[0])
    busy = helpers.boot_server((2, 1024), host=load_hosts[0])
    helpers.set_load(quiet, cpu=1, mem_mb=512, metrics=False)
    helpers.set_load(busy, cpu=1, mem_mb=512)

    def refused():
        try:
            admin_conn.compute.get_server_diagnostics(quiet)
        except sdk_exc.HttpException as exc:
            return exc.status_code == 409
        return False
    cloud_helpers.wait_for('diagnostics of a server without samples fail',
                           refused, timeout=10)
    assert diagnostics(admin_conn, busy)[1]['used'] == 512

    def only_busy():
        seen = by_instance(prometheus, 'libvirt_domain_openstack_info')
        return busy.id in seen and quiet.id not in seen
    cloud_helpers.wait_for('Prometheus sees only the server with metrics',
                           only_busy, timeout=PROMETHEUS_WAIT)
    assert query(prometheus, 'libvirt_domain_info_virtual_cpus{domain="%s"}'
                 % admin_conn.compute.get_server(quiet).instance_name) == []


def test_prometheus_sees_the_load(admin_conn, helpers, load_hosts,
                                  prometheus):
    small = helpers.boot_server((2, 2048), host=load_hosts[0])
    large = helpers.boot_server((8, 8192), host=load_hosts[1])
    idle = helpers.boot_server((1, 512), host=load_hosts[1])
    helpers.set_load(small, cpu=1.5, mem_mb=1000)
    helpers.set_load(large, cpu=6, mem_mb=20000)     # capped at 8192 MB
    wanted_cpu = {small.id: 1.5, large.id: 6.0, idle.id: 0.0}
    wanted_mem = {small.id: 1000, large.id: 8192, idle.id: 0}

    def settled():
        cpu = by_instance(prometheus, CPU_RATE)
        mem = by_instance(prometheus, MEM_USED)
        return all(close(cpu.get(s), c) for s, c in wanted_cpu.items()) \
            and all(mem.get(s) == m * MB for s, m in wanted_mem.items())
    cloud_helpers.wait_for('Prometheus rates = busy vCPUs', settled,
                           timeout=PROMETHEUS_WAIT, interval=1)

    info = {labels['instance_id']: labels for labels, _value in query(
        prometheus, 'libvirt_domain_openstack_info')}
    server = admin_conn.compute.get_server(large)
    assert info[large.id]['domain'] == server.instance_name
    assert info[large.id]['instance'] == load_hosts[1]
    assert info[large.id]['instance_name'] == server.name
    assert info[large.id]['project_id'] == server.project_id
    assert info[large.id]['user_id'] == server.user_id
    assert info[large.id]['flavor_name'] == server.flavor.original_name
    vcpus = query(prometheus, 'libvirt_domain_info_virtual_cpus{domain="%s"}'
                  % server.instance_name)
    assert [value for _labels, value in vcpus] == [8]
    rss = query(prometheus, 'libvirt_domain_memory_stats_rss_bytes'
                '{domain="%s"}' % server.instance_name)
    assert [value for _labels, value in rss] == [8192 * MB]
    up = {labels['instance']: value
          for labels, value in query(prometheus, 'libvirt_up')}
    assert up[load_hosts[0]] == 1 and up[load_hosts[1]] == 1


def test_load_follows_a_live_migration(admin_conn, helpers, load_hosts,
                                       prometheus):
    source, dest = load_hosts
    server = helpers.boot_server((4, 2048), host=source)
    helpers.set_load(server, cpu=3, mem_mb=1200)

    def on(host):
        def check():
            info = [labels for labels, _v in query(
                prometheus, 'libvirt_domain_openstack_info{instance_id="%s"}'
                % server.id)]
            rate = by_instance(prometheus, CPU_RATE + ' and on(instance) '
                               'libvirt_up{instance="%s"}' % host)
            return [i['instance'] for i in info] == [host] \
                and close(rate.get(server.id), 3.0)
        return check
    cloud_helpers.wait_for('series on %s' % source, on(source),
                           timeout=PROMETHEUS_WAIT, interval=1)
    before, _mem, _diag = diagnostics(admin_conn, server)

    helpers.live_migrate(server, dest)
    after, memory, _diag = diagnostics(admin_conn, server)
    assert after >= before          # the new host continues its CPU time
    assert memory == {'maximum': 2048, 'used': 1200}
    rate, _a, _b = diag_rate(admin_conn, server)
    assert close(rate, 3.0), rate
    cloud_helpers.wait_for('series on %s' % dest, on(dest),
                           timeout=PROMETHEUS_WAIT, interval=1)


def test_bad_load_file_keeps_the_last_good_content(admin_conn, helpers,
                                                   load_hosts, minicloud):
    server = helpers.boot_server((2, 1024), host=load_hosts[0])
    helpers.set_load(server, cpu=1, mem_mb=700)
    cloud_helpers.wait_for('memory used 700', lambda: diagnostics(
        admin_conn, server)[1]['used'] == 700, timeout=10)
    path = minicloud.status['load_file']
    good = cloud_helpers.read_load_file(path)
    try:
        for bad in ('{"servers": {"%s": {"cpu": -1}}}' % server.id,
                    '{"servers": {"%s": {"mem": 5}}}' % server.id,
                    'not json'):
            with open(path + '.bad', 'w') as f:
                f.write(bad)
            os.replace(path + '.bad', path)
            time.sleep(1.5)    # longer than the readers' 1 s poll
            assert diagnostics(admin_conn, server)[1]['used'] == 700
    finally:
        cloud_helpers.write_load_file(path, good)
    log = os.path.join(minicloud.status['run_dir'], 'logs',
                       'nova-compute-%s.log' % load_hosts[0])
    with open(log) as f:
        text = f.read()
    assert 'servers[%s].cpu: expected a number >= 0' % server.id in text
    assert 'unknown keys mem' in text
    rate, _a, _b = diag_rate(admin_conn, server, 2.0)
    assert close(rate, 1.0), rate


def test_prometheus_stop_and_start(minicloud, prometheus):
    cloud_helpers.wait_for('a libvirt_up sample', lambda: query(
        prometheus, 'libvirt_up'), timeout=PROMETHEUS_WAIT)
    before = time.time()
    cloud_helpers.minicloud('prometheus', 'stop')
    try:
        status = cloud_helpers.minicloud_status()
        assert status['prometheus'] == 'stopped'
        assert status['running'] is True      # the rest of the cloud runs
        with pytest.raises(requests.ConnectionError):
            requests.get(prometheus + '/-/ready', timeout=5)
    finally:
        cloud_helpers.minicloud('prometheus', 'start')
    restarted = time.time()
    status = cloud_helpers.minicloud_status()
    assert status['prometheus'] == 'running' and status['running'] is True
    assert requests.get(prometheus + '/-/ready', timeout=5).status_code == 200
    # Same data dir: samples from before the stop are still there...
    old = query(prometheus, 'min_over_time(timestamp(libvirt_up)[10m:1s])')
    assert old and min(value for _l, value in old) <= before
    # ...and scraping goes on.
    cloud_helpers.wait_for('a new libvirt_up sample', lambda: any(
        value > restarted for _l, value in query(
            prometheus, 'timestamp(libvirt_up)')), timeout=PROMETHEUS_WAIT)


def test_allocation_ratios_and_host_sizes_in_placement(admin_conn,
                                                        minicloud):
    """`start --cpu-allocation-ratio 4 --ram-allocation-ratio 1.5
    --host-size compute2=100:16384` shows in Placement.

    Restarts the cloud twice (then as it was) unless it already runs with
    those settings: only when this session started it.
    """
    wanted = {'cpu': 4.0, 'ram': 1.5}
    status = cloud_helpers.minicloud_status()
    restarted = False
    if len(status['computes']) < 2 or \
            status['computes'][1]['driver'] != LOAD_DRIVER:
        pytest.skip('needs compute2 with %s' % LOAD_DRIVER)
    if {'cpu': status['cpu_allocation_ratio'],
            'ram': status['ram_allocation_ratio']} != wanted \
            or status['computes'][1]['vcpus'] != 100:
        if not minicloud.started_here:
            pytest.skip('the cloud was not started by this session: start '
                        'it with --cpu-allocation-ratio 4 '
                        '--ram-allocation-ratio 1.5 --host-size '
                        'compute2=100:16384 to run this test')
        cloud_helpers.minicloud(*cloud_helpers.restart_args(
            status, wanted, {'compute2': (100, 16384, 1000)}, computes=2))
        restarted = True
    try:
        new = cloud_helpers.minicloud_status()
        assert new['cpu_allocation_ratio'] == 4.0
        assert new['ram_allocation_ratio'] == 1.5
        providers = {rp.name: rp
                     for rp in admin_conn.placement.resource_providers()}
        inventory = {i.resource_class: i for i in
                     admin_conn.placement.resource_provider_inventories(
                         providers['compute2'])}
        assert inventory['VCPU'].total == 100
        assert inventory['VCPU'].allocation_ratio == 4.0
        assert inventory['MEMORY_MB'].total == 16384
        assert inventory['MEMORY_MB'].allocation_ratio == 1.5
        assert inventory['DISK_GB'].allocation_ratio == 1.0
        compute1 = {i.resource_class: i for i in
                    admin_conn.placement.resource_provider_inventories(
                        providers['compute1'])}
        assert compute1['VCPU'].allocation_ratio == 4.0
    finally:
        if restarted:
            cloud_helpers.minicloud(*cloud_helpers.restart_args(status))
