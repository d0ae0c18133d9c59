"""The minicloud's prometheus-libvirt-exporter look-alike (stdlib only).

    python exporter.py --port 39177 --registry-dir DIR

Serves, in the Prometheus text format, the metric families of the
prometheus-libvirt-exporter (the one kolla-ansible deploys on every compute)
for the servers of the minicloud's load-following fake hosts
(load_driver.py), from the registry files they write:

    GET /metrics/<host>   one compute's servers (what Prometheus scrapes,
                          one target per host, label instance=<host>)
    GET /metrics          every host's servers

Every domain series is keyed by ``domain`` (the libvirt name,
instance-0000002a); ``libvirt_domain_openstack_info`` joins it to Nova's
uuid (``instance_id``).  A server whose load entry says ``"metrics": false``
is left out.  ``libvirt_up`` is 1 while the host's driver keeps its registry
fresh (it rewrites it every second), 0 otherwise (then no domain series, as
the real exporter when it cannot reach libvirt).  Memory (bytes; MB in use =
the load file's mem_mb, capped at the flavor):

    maximum_memory = available = flavor RAM; memory_usage = flavor RAM (the
    balloon size, as libvirt reports for a guest without ballooning);
    usable = RAM - in use; disk_caches = usable / 4; unused = usable -
    disk_caches; rss = in use.  So in use = available - usable = rss.
"""

import argparse
import http.server
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import loadfile  # noqa: E402

MB = 1024 * 1024
# A registry older than this: the host's driver is gone (libvirt_up 0).
STALE_SECONDS = 10.0

FAMILIES = (
    # name, type, help
    ('libvirt_up', 'gauge',
     "Whether scraping libvirt's metrics was successful."),
    ('libvirt_domain_info_cpu_time_seconds_total', 'counter',
     'Amount of CPU time used by the domain, in seconds.'),
    ('libvirt_domain_info_virtual_cpus', 'gauge',
     'Number of virtual CPUs for the domain.'),
    ('libvirt_domain_info_maximum_memory_bytes', 'gauge',
     'Maximum allowed memory of the domain, in bytes.'),
    ('libvirt_domain_info_memory_usage_bytes', 'gauge',
     'Memory usage of the domain, in bytes.'),
    ('libvirt_domain_memory_stats_available_bytes', 'gauge',
     'The total amount of usable memory as seen by the domain, in bytes.'),
    ('libvirt_domain_memory_stats_usable_bytes', 'gauge',
     'How much the balloon can be inflated without pushing the guest '
     'system to swap, in bytes.'),
    ('libvirt_domain_memory_stats_unused_bytes', 'gauge',
     'The amount of memory left completely unused by the system, in bytes.'),
    ('libvirt_domain_memory_stats_rss_bytes', 'gauge',
     'Resident Set Size of the process running the domain, in bytes.'),
    ('libvirt_domain_memory_stats_disk_caches_bytes', 'gauge',
     'The amount of memory that can be reclaimed without additional I/O, '
     'in bytes.'),
    ('libvirt_domain_openstack_info', 'gauge',
     'OpenStack Metadata for the domain.'),
)


def escape(value):
    return str(value).replace('\\', '\\\\').replace('\n', '\\n').replace(
        '"', '\\"')


def labels(**pairs):
    return '{%s}' % ','.join('%s="%s"' % (k, escape(v))
                             for k, v in pairs.items())


class Exporter:

    def __init__(self, registry_dir):
        self.registry_dir = registry_dir
        self._lock = threading.Lock()
        self._last_cpu = {}     # (host, uuid) -> last exported CPU seconds

    def samples(self, only_host=None):
        """{family: [(labels, value)]} for one host or all."""
        out = {name: [] for name, _type, _help in FAMILIES}
        now = time.time()
        registries = loadfile.read_registries(self.registry_dir)
        if only_host is not None:
            registries = {h: r for h, r in registries.items()
                          if h == only_host}
            if not registries:
                out['libvirt_up'].append(('', 0))
                return out
        for host, registry in sorted(registries.items()):
            fresh = now - float(registry.get('at', 0)) <= STALE_SECONDS
            out['libvirt_up'].append(
                ('' if only_host else labels(host=host), 1 if fresh else 0))
            if not fresh:
                continue
            for uuid, entry in sorted(registry['servers'].items()):
                try:
                    self._domain(out, host, uuid, entry, now)
                except (KeyError, TypeError, ValueError):
                    continue
        return out

    def _domain(self, out, host, uuid, entry, now):
        if not entry.get('metrics', True):
            return
        domain = entry['name']
        key = labels(domain=domain)
        with self._lock:
            # A counter never goes down (the registry is rewritten every
            # second; extrapolating at the old rate may run a bit ahead).
            cpu = max(loadfile.cpu_seconds_now(entry, now),
                      self._last_cpu.get((host, uuid), 0.0))
            self._last_cpu[(host, uuid)] = cpu
        ram = int(entry['ram_mb']) * MB
        used = int(round(float(entry['mem_mb']) * MB))
        usable = ram - used
        caches = usable // 4
        add = {
            'libvirt_domain_info_cpu_time_seconds_total': cpu,
            'libvirt_domain_info_virtual_cpus': int(entry['vcpus']),
            'libvirt_domain_info_maximum_memory_bytes': ram,
            'libvirt_domain_info_memory_usage_bytes': ram,
            'libvirt_domain_memory_stats_available_bytes': ram,
            'libvirt_domain_memory_stats_usable_bytes': usable,
            'libvirt_domain_memory_stats_unused_bytes': usable - caches,
            'libvirt_domain_memory_stats_rss_bytes': used,
            'libvirt_domain_memory_stats_disk_caches_bytes': caches,
        }
        for name, value in add.items():
            out[name].append((key, value))
        out['libvirt_domain_openstack_info'].append((labels(
            domain=domain, instance_id=uuid,
            instance_name=entry.get('display_name') or '',
            flavor_name=entry.get('flavor_name') or '',
            project_id=entry.get('project_id') or '',
            user_id=entry.get('user_id') or ''), 1))

    def render(self, only_host=None):
        samples = self.samples(only_host)
        lines = []
        for name, kind, text in FAMILIES:
            lines.append('# HELP %s %s' % (name, text))
            lines.append('# TYPE %s %s' % (name, kind))
            for key, value in samples[name]:
                if isinstance(value, float):
                    value = repr(value)
                lines.append('%s%s %s' % (name, key, value))
        return ('\n'.join(lines) + '\n').encode()


def make_handler(exporter):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split('?', 1)[0].rstrip('/')
            if path == '/metrics':
                body = exporter.render()
            elif path.startswith('/metrics/') and path.count('/') == 2:
                body = exporter.render(path[len('/metrics/'):])
            else:
                self.send_error(404, 'try /metrics or /metrics/<host>')
                return
            self.send_response(200)
            self.send_header('Content-Type',
                             'text/plain; version=0.0.4; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            pass    # one line per scrape would fill the log
    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--registry-dir', required=True)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', args.port), make_handler(Exporter(args.registry_dir)))
    server.daemon_threads = True
    print('exporter: serving on 127.0.0.1:%d from %s'
          % (args.port, args.registry_dir), flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
