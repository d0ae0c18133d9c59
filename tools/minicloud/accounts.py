"""Keystone accounts and service catalog of minicloud (nova venv, SDK).

Runs once per database snapshot, with Keystone up and keystone-manage
bootstrap done (admin user/project/role, RegionOne, identity endpoint):
creates the service project, a user per service with roles admin + service,
the non-admin user with role member in its own project, and the catalog
endpoints for compute, placement, image and network.  The result is part of
the cached snapshot, and this file is part of the snapshot's cache key.

Clouds come from OS_CLIENT_CONFIG_FILE (written by minicloud).
"""

import openstack

ADMIN_CLOUD = 'minicloud-admin'
SERVICE_PROJECT = 'service'
SERVICE_USERS = ('nova', 'placement', 'glance', 'neutron')
USER_NAME, USER_PASSWORD = 'minicloud-user', 'minicloud-user'
REGION = 'RegionOne'
BASE = 'http://127.0.0.1'
CATALOG = (
    # (service name, type, URL)
    ('nova', 'compute', BASE + ':8774/v2.1'),
    ('placement', 'placement', BASE + ':8778'),
    ('glance', 'image', BASE + ':9292'),
    ('neutron', 'network', BASE + ':9696'),
)


def find_or_create_role(conn, name):
    return conn.identity.find_role(name) or conn.identity.create_role(
        name=name)


def main():
    conn = openstack.connect(cloud=ADMIN_CLOUD)
    domain = conn.identity.find_domain('default')
    admin_role = find_or_create_role(conn, 'admin')
    service_role = find_or_create_role(conn, 'service')
    member_role = find_or_create_role(conn, 'member')
    service_project = conn.identity.create_project(
        name=SERVICE_PROJECT, domain_id=domain.id,
        description='OpenStack service users')
    for name in SERVICE_USERS:
        user = conn.identity.create_user(
            name=name, password='minicloud-' + name, domain_id=domain.id,
            default_project_id=service_project.id)
        for role in (admin_role, service_role):
            conn.identity.assign_project_role_to_user(
                service_project, user, role)
    project = conn.identity.create_project(
        name=USER_NAME, domain_id=domain.id,
        description='Project of the non-admin test user')
    user = conn.identity.create_user(
        name=USER_NAME, password=USER_PASSWORD, domain_id=domain.id,
        default_project_id=project.id)
    conn.identity.assign_project_role_to_user(project, user, member_role)
    for name, kind, url in CATALOG:
        service = conn.identity.create_service(name=name, type=kind)
        for interface in ('public', 'internal'):
            conn.identity.create_endpoint(
                service_id=service.id, interface=interface, url=url,
                region_id=REGION)
    print('accounts: service users, non-admin user and catalog created')


if __name__ == '__main__':
    main()
