"""What the ``prometheus`` usage source costs per cycle, against a real
Prometheus server (Debian's ``prometheus``, installed by
``tools/minicloud/minicloud install``).

A synthetic prometheus-libvirt-exporter (prometheus_client) serves N
instances' CPU time counters, memory statistics and openstack_info;
Prometheus scrapes it every 2 s; then the source's whole read (both
instant queries and the mapping onto N servers) is timed, with the HTTP
requests it made counted:

    .venv/bin/python -m benchmarks.usage_prometheus --servers 1000 10000

Prints one line per size: requests per cycle, seconds (median and max of
--repeat reads), and Prometheus's resident memory.
"""

import argparse
import dataclasses
import os
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import uuid

import prometheus_client
import requests
from prometheus_client import core as prom_core

from nova_hotspot.conf import prometheus as prometheus_conf
from nova_hotspot.usage import prometheus as prometheus_usage

PROMETHEUS = shutil.which('prometheus') or '/usr/bin/prometheus'
WINDOW = 10


@dataclasses.dataclass(frozen=True)
class Flavor:
    vcpus: float
    ram: float


@dataclasses.dataclass(frozen=True)
class Server:
    id: str
    flavor: Flavor
    status: str = 'ACTIVE'
    task_state: str | None = None


class Exporter:
    """The libvirt exporter's families for ``servers``, CPU time
    advancing at each server's busy rate."""

    def __init__(self, servers, seed=1):
        rng = random.Random(seed)
        self.start = time.monotonic()
        self.rows = [(s.id, f'instance-{i:08x}',
                      rng.uniform(0, s.flavor.vcpus),
                      rng.uniform(64, s.flavor.ram))
                     for i, s in enumerate(servers)]

    def collect(self):
        elapsed = time.monotonic() - self.start
        cpu = prom_core.CounterMetricFamily(
            'libvirt_domain_info_cpu_time_seconds', 'CPU time',
            labels=['domain'])
        rss = prom_core.GaugeMetricFamily(
            'libvirt_domain_memory_stats_rss_bytes', 'RSS',
            labels=['domain'])
        info = prom_core.GaugeMetricFamily(
            'libvirt_domain_openstack_info', 'OpenStack info',
            labels=['domain', 'instance_id'])
        for instance_id, domain, busy, mem in self.rows:
            cpu.add_metric([domain], 1000.0 + busy * elapsed)
            rss.add_metric([domain], mem * 1048576)
            info.add_metric([domain, instance_id], 1)
        yield cpu
        yield rss
        yield info


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def rss_mb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return 0.0


def run(count, repeat):
    servers = [Server(str(uuid.uuid4()), Flavor(4, 4096))
               for _ in range(count)]
    registry = prometheus_client.CollectorRegistry()
    registry.register(Exporter(servers))
    exporter_port = free_port()
    httpd, thread = prometheus_client.start_http_server(
        exporter_port, addr='127.0.0.1', registry=registry)
    work = tempfile.mkdtemp(prefix='hotspot-prom-bench-')
    port = free_port()
    with open(os.path.join(work, 'prometheus.yml'), 'w') as f:
        f.write('global: {scrape_interval: 2s, scrape_timeout: 2s}\n'
                'scrape_configs:\n- job_name: libvirt\n  static_configs:\n'
                f"  - targets: ['127.0.0.1:{exporter_port}']\n")
    log = open(os.path.join(work, 'prometheus.log'), 'w')
    proc = subprocess.Popen(
        [PROMETHEUS, f'--config.file={work}/prometheus.yml',
         f'--storage.tsdb.path={work}/data',
         f'--web.listen-address=127.0.0.1:{port}'],
        stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    try:
        options = prometheus_conf.PrometheusOptions(url=url, window=WINDOW,
                                                    timeout=60)
        query = options.query(options.cpu_query)
        deadline = time.monotonic() + 120
        while True:
            try:
                answer = requests.post(url + '/api/v1/query',
                                       data={'query': query}, timeout=30)
                if answer.ok and len(answer.json()['data']['result']) \
                        == count:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit(f'Prometheus never saw {count} series; '
                                 f'see {work}/prometheus.log')
            time.sleep(1)
        requests_made = []

        class Cloud:
            class counter:
                @staticmethod
                def hook(response, *args, **kwargs):
                    requests_made.append(response.request.url)

        source = prometheus_usage.PrometheusUsage(options)
        seconds = []
        for _ in range(repeat):
            before = len(requests_made)
            start = time.perf_counter()
            report = source.usage(Cloud, servers)
            seconds.append(time.perf_counter() - start)
            per_cycle = len(requests_made) - before
            assert len(report.values) == count, len(report.values)
        return per_cycle, statistics.median(seconds), max(seconds), \
            rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        httpd.shutdown()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--servers', type=int, nargs='+',
                        default=[1000, 10000])
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args(argv)
    print(f'{"servers":>8} {"requests/cycle":>15} {"median s":>9} '
          f'{"max s":>7} {"Prometheus RSS MB":>18}')
    for count in args.servers:
        per_cycle, median, worst, rss = run(count, args.repeat)
        print(f'{count:>8} {per_cycle:>15} {median:>9.3f} {worst:>7.3f} '
              f'{rss:>18.0f}')


if __name__ == '__main__':
    main()
