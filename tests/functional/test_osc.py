"""The `openstack` command of the project's venv against the cloud: the
README's look-around (`openstack server list`) and `openstack hotspot
plan|snapshot` with openstackclient's own credentials (OS_CLOUD)."""

import json
import os
import pathlib
import subprocess
import sys

from nova_hotspot.core import snapshot

OPENSTACK = pathlib.Path(sys.executable).parent / 'openstack'


def openstack(cloud, *args):
    env = dict(os.environ, OS_CLOUD=cloud.admin_cloud)
    if cloud.config_file:
        env['OS_CLIENT_CONFIG_FILE'] = cloud.config_file
    return subprocess.run([str(OPENSTACK), *args], env=env, text=True,
                          capture_output=True, timeout=120)


def test_look_around_and_plan_the_live_cloud(cloud, tmp_path):
    listed = openstack(cloud, 'server', 'list', '-f', 'json')
    assert listed.returncode == 0, listed.stderr
    assert isinstance(json.loads(listed.stdout), list)

    saved = tmp_path / 'snap.json'
    result = openstack(cloud, 'hotspot', 'snapshot', '-o', str(saved))
    assert result.returncode == 0, result.stderr
    cluster = snapshot.loads(saved.read_text(), 0.8, 0.8)
    assert set(cloud.compute_hosts) <= {h.name for h in cluster.hosts}

    result = openstack(cloud, 'hotspot', 'plan', '-f', 'json')
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan['strategy'] == 'cure'
    # Read live: the reasons hosts are no targets are part of the plan.
    assert 'not_targets' in plan
