"""Last step of every minicloud start; runs in the nova venv (openstacksdk).

    ready.py --hosts compute1,compute2

Runs after nova_launcher.py mapped the hosts into cell1.  Waits for a
resource provider with inventory per compute host and for every hypervisor
to be up, then creates the flavors and uploads the image.

Clouds come from OS_CLIENT_CONFIG_FILE (written by minicloud).
"""

import argparse
import time

import openstack

ADMIN_CLOUD = 'minicloud-admin'
# Flavors every start creates; tests make their own sizes as they need.
FLAVORS = (
    # name, vcpus, ram MB, disk GB
    ('mc.tiny', 1, 512, 1),
    ('mc.small', 2, 2048, 1),
    ('mc.medium', 4, 4096, 1),
    ('mc.large', 8, 8192, 1),
)
IMAGE_NAME = 'minicloud-image'
# A small raw image: the fake hypervisors never read it.
IMAGE_BYTES = b'\0' * (64 * 1024)


def log(msg):
    print('ready: %s' % msg, flush=True)


def wait(what, check, timeout):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise SystemExit('ready: timed out after %d s waiting for %s'
                             % (timeout, what))
        time.sleep(0.5)


def ready(hosts, timeout):
    conn = openstack.connect(cloud=ADMIN_CLOUD)
    started = time.monotonic()

    def providers_with_inventory():
        names = {rp.name: rp for rp in conn.placement.resource_providers()}
        if not all(h in names for h in hosts):
            return False
        for host in hosts:
            inv = list(conn.placement.resource_provider_inventories(
                names[host]))
            if not any(i.resource_class == 'VCPU' for i in inv):
                return False
        return True
    wait('a resource provider per compute host', providers_with_inventory,
         timeout)
    log('resource providers ready after %.1f s' % (time.monotonic() - started))

    def hypervisors_up():
        hvs = {h.name: h for h in conn.compute.hypervisors()}
        return all(h in hvs and hvs[h].state == 'up' and
                   hvs[h].status == 'enabled' for h in hosts)
    wait('every hypervisor up', hypervisors_up, timeout)
    log('hypervisors up after %.1f s' % (time.monotonic() - started))
    existing = {f.name for f in conn.compute.flavors()}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in existing:
            conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram,
                                       disk=disk, is_public=True)
    if not conn.image.find_image(IMAGE_NAME):
        conn.image.create_image(
            name=IMAGE_NAME, data=IMAGE_BYTES, disk_format='raw',
            container_format='bare', visibility='public',
            allow_duplicates=True)
    wait('image active', lambda: getattr(
        conn.image.find_image(IMAGE_NAME), 'status', None) == 'active',
        timeout)
    log('flavors and image ready after %.1f s' % (time.monotonic() - started))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--hosts', required=True)
    parser.add_argument('--timeout', type=float, default=120)
    args = parser.parse_args()
    ready(args.hosts.split(','), args.timeout)


if __name__ == '__main__':
    main()
