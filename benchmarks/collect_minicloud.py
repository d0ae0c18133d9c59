"""Collection at scale on the real minicloud: API calls and seconds per
collection cycle, first (nothing cached) and later cycles, at several
sizes.

    flock /tmp/nova-hotspot-cloud.lock .venv/bin/python \\
        -m benchmarks.collect_minicloud --computes 5 \\
        --nodes-per-compute 3 20 80 --servers 100 400 1000

For each size (the i-th ``--nodes-per-compute`` with the i-th
``--servers``) it (re)starts the minicloud (``tools/minicloud/minicloud
start --computes C --nodes-per-compute N``: C nova-compute processes
serving C x N hypervisors, each its own resource provider), boots the
servers (``--batch`` per request, min_count = max_count, tiny flavor), then
runs ``--cycles`` collections through the agent's own
``collect.fetch.collect`` with one ``InventoryCache`` (as the agent keeps
it) and prints one row per cycle. It stops the cloud at the end (a cloud
of another shape must not be reused by a test run). Hold the cloud lock
(doc/minicloud.md).
"""

import argparse
import os
import subprocess
import sys
import time

import openstack

from nova_hotspot.cloud import Cloud
from nova_hotspot.collect import build
from nova_hotspot.collect import fetch
from nova_hotspot.collect import inventories
from nova_hotspot.usage.placement import PlacementUsage

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MINICLOUD = os.path.join(ROOT, 'tools', 'minicloud', 'minicloud')
ADMIN_CLOUD = 'minicloud-admin'
IMAGE = 'minicloud-image'
FLAVOR = ('bench.tiny', 1, 64, 0)          # name, vCPUs, MB, GB


def minicloud(*args, timeout=1800):
    return subprocess.run([MINICLOUD, *args], check=True, text=True,
                          stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          timeout=timeout).stdout


def clouds_yaml():
    return minicloud('clouds-yaml', 'path').strip()


def connect():
    region = openstack.config.OpenStackConfig(
        config_files=[clouds_yaml()]).get_one(cloud=ADMIN_CLOUD)
    return openstack.connection.Connection(config=region)


def flavor(conn):
    name, vcpus, ram, disk = FLAVOR
    return conn.compute.find_flavor(name, ignore_missing=True) or \
        conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram,
                                   disk=disk, is_public=True)


def boot(conn, count, batch, prefix='bench', timeout=1800):
    """Boot ``count`` servers, ``batch`` per request; wait until every
    server whose name starts with ``prefix`` is ACTIVE. Returns their
    ids."""
    image = conn.image.find_image(IMAGE, ignore_missing=False)
    size = flavor(conn)
    left, n = count, 0
    while left > 0:
        this = min(batch, left)
        n += 1
        conn.compute.create_server(
            name=f'{prefix}-{n}', flavor_id=size.id, image_id=image.id,
            networks='none', min_count=this, max_count=this)
        left -= this
    deadline = time.monotonic() + timeout
    while True:
        servers = [s for s in conn.compute.servers(all_projects=True)
                   if (s.name or '').startswith(prefix + '-')]
        errors = [s.id for s in servers if s.status == 'ERROR']
        if errors:
            raise RuntimeError(f'{len(errors)} servers went to ERROR, e.g. '
                               f'{errors[0]}')
        if len(servers) >= count and all(s.status == 'ACTIVE'
                                          for s in servers):
            return [s.id for s in servers]
        if time.monotonic() > deadline:
            raise RuntimeError(f'servers not ACTIVE after {timeout} s')
        time.sleep(2)


def cycles(cloud, count, workers=fetch.DEFAULT_WORKERS, cache=None):
    """``count`` collections of ``cloud`` sharing one InventoryCache."""
    cache = cache if cache is not None else inventories.InventoryCache()
    return [fetch.collect(cloud, build.Options(), PlacementUsage(),
                          cache=cache, workers=workers)
            for _ in range(count)]


def row(nodes, servers, number, collection):
    kinds = sorted({p.kind for p in collection.problems})
    return (f'| {nodes} | {servers} | {number} | '
            f'{sum(collection.api_calls.values())} | '
            f'{collection.seconds:.2f} | '
            f'{collection.inventory_sources.get("placement", 0)} | '
            f'{collection.inventory_sources.get("cache", 0)} | '
            f'{len(collection.cluster.hosts)} | '
            f'{len(collection.cluster.servers)} | '
            f'{", ".join(kinds) or "none"} |')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--computes', type=int, default=5)
    parser.add_argument('--nodes-per-compute', type=int, nargs='+',
                        default=[3, 20])
    parser.add_argument('--servers', type=int, nargs='+', default=[100, 400])
    parser.add_argument('--batch', type=int, default=50)
    parser.add_argument('--cycles', type=int, default=3)
    parser.add_argument('--workers', type=int,
                        default=fetch.DEFAULT_WORKERS)
    args = parser.parse_args(argv)
    if len(args.servers) != len(args.nodes_per_compute):
        parser.error('give one --servers per --nodes-per-compute')
    os.environ.setdefault('MINICLOUD_WAIT_TIMEOUT', '900')
    print('| hypervisors | servers | cycle | API calls | seconds | '
          'inventories read | inventories cached | hosts | servers '
          'collected | problems |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    try:
        for nodes, count in zip(args.nodes_per_compute, args.servers):
            started = time.monotonic()
            minicloud('start', '--computes', str(args.computes),
                      '--nodes-per-compute', str(nodes))
            start_s = time.monotonic() - started
            conn = connect()
            started = time.monotonic()
            boot(conn, count, args.batch)
            boot_s = time.monotonic() - started
            cloud = Cloud.from_cloud_name(ADMIN_CLOUD,
                                          config_files=[clouds_yaml()])
            hypervisors = args.computes * nodes
            for number, collection in enumerate(
                    cycles(cloud, args.cycles, args.workers), 1):
                print(row(hypervisors, count, number, collection))
                sys.stdout.flush()
            print(f'({hypervisors} hypervisors: start {start_s:.0f} s, '
                  f'{count} servers booted in {boot_s:.0f} s, '
                  f'{args.batch} per request)')
            sys.stdout.flush()
    finally:
        minicloud('stop')


if __name__ == '__main__':
    main()
