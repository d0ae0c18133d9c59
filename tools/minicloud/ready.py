"""Last step of every minicloud start; runs in the nova venv (openstacksdk).

    ready.py --hosts compute1,compute2     (the nodes: hypervisor names)

Started by minicloud together with the services: creates the flavors and
uploads the image as soon as nova-api and Glance answer, then waits for a
resource provider with inventory per compute host and, once
nova_launcher.py has mapped the hosts into cell1, for every hypervisor to
be up.

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


def wait(what, check, timeout, interval=0.5):
    """Poll check() until it returns something true.

    minicloud starts this script while the services are still starting, so
    errors (connection refused, 503 from an API whose backend is not up)
    only mean "not yet"; the last one is shown if time runs out.
    """
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as exc:   # noqa: BLE001 - any failure is "not yet"
            last_error = exc
        if time.monotonic() > deadline:
            raise SystemExit('ready: timed out after %d s waiting for %s '
                             '(last error: %s)' % (timeout, what, last_error))
        time.sleep(interval)


def create_flavors_and_image(conn, timeout):
    def flavors():
        existing = {f.name for f in conn.compute.flavors()}
        for name, vcpus, ram, disk in FLAVORS:
            if name not in existing:
                conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram,
                                           disk=disk, is_public=True)
        return True
    wait('flavors created', flavors, timeout)

    def image_active():
        image = conn.image.find_image(IMAGE_NAME)
        if image is None:
            conn.image.create_image(
                name=IMAGE_NAME, data=IMAGE_BYTES, disk_format='raw',
                container_format='bare', visibility='public',
                allow_duplicates=True)
            return False
        if image.status in ('queued', 'killed'):
            # An upload that failed while Glance was still starting.
            conn.image.delete_image(image)
            return False
        return image.status == 'active'
    wait('image active', image_active, timeout)


def ready(hosts, timeout):
    started = time.monotonic()
    conn = wait('Keystone', lambda: openstack.connect(cloud=ADMIN_CLOUD),
                timeout)
    # Flavors and the image need only nova-api and Glance, not the computes.
    create_flavors_and_image(conn, timeout)
    log('flavors and image ready after %.1f s' % (time.monotonic() - started))

    with_inventory = set()

    def providers_with_inventory():
        names = {rp.name: rp for rp in conn.placement.resource_providers()}
        if not all(h in names for h in hosts):
            return False
        for host in hosts:
            if host in with_inventory:
                continue
            inv = list(conn.placement.resource_provider_inventories(
                names[host]))
            if not any(i.resource_class == 'VCPU' for i in inv):
                return False
            with_inventory.add(host)
        return True
    wait('a resource provider per compute host', providers_with_inventory,
         timeout)
    log('resource providers ready after %.1f s' % (time.monotonic() - started))

    def hypervisors_up():
        # Listed once nova_launcher.py has mapped the hosts into cell1.
        hvs = {h.name: h for h in conn.compute.hypervisors()}
        return all(h in hvs and hvs[h].state == 'up' and
                   hvs[h].status == 'enabled' for h in hosts)
    wait('every hypervisor up', hypervisors_up, timeout)
    log('hypervisors up after %.1f s' % (time.monotonic() - started))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--hosts', required=True)
    parser.add_argument('--timeout', type=float, default=120)
    args = parser.parse_args()
    ready(args.hosts.split(','), args.timeout)


if __name__ == '__main__':
    main()
