"""Session fixtures: a real cloud for the functional tests.

By default the minicloud (tools/minicloud) is installed and started once per
test run, or reused when one is already running, and stopped at the end if
this run started it.  With NOVA_HOTSPOT_TEST_CLOUD=<clouds.yaml entry with
admin rights> the tests run against that cloud instead (e.g. a devstack's)
and nothing is installed or started.  Fixture names are documented in
doc/minicloud.md.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cloud_helpers  # noqa: E402
from cloud_helpers import CloudHelpers  # noqa: E402
from cloud_helpers import CloudInfo  # noqa: E402

SKIP_REASON = ('needs the minicloud\'s fake hypervisors (exact host names '
               'and sizes); %s targets cloud %%r' % cloud_helpers.ENV_CLOUD)


def external_cloud():
    return os.environ.get(cloud_helpers.ENV_CLOUD) or None


def pytest_runtest_setup(item):
    cloud = external_cloud()
    if cloud and item.get_closest_marker('minicloud'):
        pytest.skip(SKIP_REASON % cloud)


@pytest.fixture(scope='session')
def cloud():
    """CloudInfo of the cloud under test, brought up once per session."""
    name = external_cloud()
    if name:
        config_file = os.environ.get('OS_CLIENT_CONFIG_FILE')
        info = CloudInfo(admin_cloud=name,
                         user_cloud=os.environ.get(
                             cloud_helpers.ENV_USER_CLOUD),
                         config_file=config_file, is_minicloud=False)
        conn = cloud_helpers.connect(name, config_file)
        info.compute_hosts = sorted(
            s.host for s in conn.compute.services(binary='nova-compute')
            if s.state == 'up' and s.status == 'enabled')
        conn.close()
        yield info
        return
    status = cloud_helpers.minicloud_status()
    started_here = False
    if not status.get('running'):
        cloud_helpers.minicloud('install')
        # --reuse: another session may have started it meanwhile (minicloud
        # serializes install/start/stop with a lock).
        output = cloud_helpers.minicloud('start', '--reuse', capture=True)
        sys.stderr.write(output.stdout)
        started_here = 'reusing the running cloud' not in output.stdout
        status = cloud_helpers.minicloud_status()
        if not status.get('running'):
            raise cloud_helpers.CloudError('minicloud start returned but '
                                           'status says it is not running')
    info = CloudInfo(
        admin_cloud=status['admin_cloud'], user_cloud=status['user_cloud'],
        config_file=status['clouds_yaml'], is_minicloud=True,
        started_here=started_here,
        compute_hosts=[c['host'] for c in status['computes']],
        drivers={c['host']: c['driver'] for c in status['computes']},
        sizes={c['host']: (c.get('vcpus'), c.get('memory_mb'))
               for c in status['computes']},
        allocation_ratios={
            'cpu': status.get('cpu_allocation_ratio') or 1.0,
            'ram': status.get('ram_allocation_ratio') or 1.0},
        status=status)
    try:
        yield info
    finally:
        if started_here and not os.environ.get('MINICLOUD_KEEP'):
            cloud_helpers.minicloud('stop', check=False, timeout=120)


@pytest.fixture(scope='session')
def minicloud(cloud):
    """The CloudInfo, but skip the test unless the cloud is the minicloud."""
    if not cloud.is_minicloud:
        pytest.skip(SKIP_REASON % cloud.admin_cloud)
    return cloud


@pytest.fixture(scope='session')
def admin_conn(cloud):
    """openstacksdk Connection with admin rights."""
    conn = cloud_helpers.connect(cloud.admin_cloud, cloud.config_file)
    yield conn
    conn.close()


@pytest.fixture(scope='session')
def user_conn(cloud):
    """openstacksdk Connection of a non-admin user (member of its project)."""
    if not cloud.user_cloud:
        pytest.skip('no non-admin cloud entry: set %s'
                    % cloud_helpers.ENV_USER_CLOUD)
    conn = cloud_helpers.connect(cloud.user_cloud, cloud.config_file)
    yield conn
    conn.close()


@pytest.fixture(scope='session')
def compute_hosts(cloud):
    """Names of the compute hosts (compute1..computeN on the minicloud)."""
    return list(cloud.compute_hosts)


@pytest.fixture
def helpers(admin_conn, cloud):
    """CloudHelpers for this test; what it made is deleted afterwards."""
    test_helpers = CloudHelpers(admin_conn, cloud)
    try:
        yield test_helpers
    finally:
        test_helpers.cleanup()


# Fake drivers of the size the agent and fault tests build on: nova's
# fake.FakeDriver, or the minicloud's load driver at its default size.
FAKE_DRIVER_1000 = ('fake.FakeDriver', 'load_driver.LoadFakeDriver')


@pytest.fixture
def computes(minicloud):
    """Five computes of fake.FakeDriver's size (1000 vCPUs, 800000 MB each,
    allocation ratios 1.0), as the agent and fault tests build their hot
    hosts on."""
    hosts = list(minicloud.compute_hosts)
    if len(hosts) < 5 or any(
            minicloud.drivers.get(h) not in FAKE_DRIVER_1000
            or minicloud.sizes.get(h) != (1000, 800000) for h in hosts[:5]) \
            or minicloud.allocation_ratios != {'cpu': 1.0, 'ram': 1.0}:
        pytest.skip('needs five computes of fake.FakeDriver\'s size '
                    '(1000 vCPUs, 800000 MB) at allocation ratio 1.0')
    return hosts[:5]
