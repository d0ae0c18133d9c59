"""tools/demo's Python half: figure 2 on the minicloud, one agent cycle.

Run by tools/demo with the project venv; expects a running minicloud.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, 'tests', 'functional'))

import agent_helpers  # noqa: E402
import cloud_helpers  # noqa: E402
import keystoneauth1.exceptions  # noqa: E402
import openstack.exceptions  # noqa: E402

DEMO = 'hotspot-demo'
RAM = 512
# The paper's figure 2, CPU x10 on 1000-vCPU fake hosts (threshold 80%):
# (business, [(role, vCPUs, host index)]) -- SV1..SV5 = compute1..5.
BUSINESSES = [
    ('b1', [('master', 500, 0), ('slave', 200, 1), ('slave', 150, 3)]),
    ('b2', [('master', 400, 1), ('slave', 200, 0), ('slave', 100, 2)]),
    ('b3', [('master', 450, 2), ('slave', 200, 0), ('slave', 100, 3)]),
]
LONERS = [(150, 4)]


def show(conn, hosts, title):
    by_host = {h: [] for h in hosts}
    for s in conn.compute.servers(details=True, all_projects=True):
        if s.compute_host in by_host:
            by_host[s.compute_host].append(s)
    print(f'\n== {title}')
    hot = []
    for host in hosts:
        servers = sorted(by_host[host], key=lambda s: s.name)
        used = sum(s.flavor['vcpus'] for s in servers)
        flag = 'HOT' if used > 800 else 'ok '
        if used > 800:
            hot.append(host)
        names = ', '.join(f'{s.name.removeprefix(DEMO + "-")}'
                          f'({s.flavor["vcpus"]})' for s in servers)
        print(f'  {host}: {flag} {used:4d}/800 vCPU  {names}')
    return hot


def cleanup(conn):
    servers = [s for s in conn.compute.servers(all_projects=True)
               if s.name.startswith(DEMO)]
    for s in servers:
        conn.compute.delete_server(s)
    for s in servers:
        conn.compute.wait_for_delete(s, wait=120)
    for g in conn.compute.server_groups(all_projects=True):
        if g.name.startswith(DEMO):
            conn.compute.delete_server_group(g)
    for f in conn.compute.flavors():
        if f.name.startswith(DEMO):
            conn.compute.delete_flavor(f)


def main():
    status = json.loads(subprocess.run(
        [cloud_helpers.MINICLOUD, 'status', '--json'], check=True,
        capture_output=True, text=True).stdout)
    info = cloud_helpers.CloudInfo(
        admin_cloud=status['admin_cloud'], user_cloud=status['user_cloud'],
        config_file=status['clouds_yaml'], is_minicloud=True,
        compute_hosts=[c['host'] for c in status['computes']],
        drivers={c['host']: c['driver'] for c in status['computes']})
    hosts = info.compute_hosts[:5]
    if len(hosts) < 5 or any(info.drivers[h] != 'fake.FakeDriver'
                             for h in hosts):
        sys.exit('demo: needs five fake.FakeDriver computes '
                 '(tools/minicloud/minicloud start --computes 5)')
    conn = cloud_helpers.connect(info.admin_cloud, info.config_file)
    print('== removing what a previous demo left')
    cleanup(conn)

    helpers = cloud_helpers.CloudHelpers(conn, info)
    helpers.prefix = DEMO
    flavors = {}

    def flavor(vcpus):
        if vcpus not in flavors:
            flavors[vcpus] = helpers.create_flavor(
                vcpus, RAM, name=f'{DEMO}-{vcpus}vcpu')
        return flavors[vcpus]

    print('== building the paper\'s figure 2 (CPU x10 of 1000-vCPU hosts)')
    ids = {}
    for name, members in BUSINESSES:
        group = conn.compute.create_server_group(name=f'{DEMO}-{name}',
                                                 policy='anti-affinity')
        for k, (role, vcpus, host) in enumerate(members):
            # the paper's names: M1 master of business 1, S12 its 2nd slave
            label = f'M{name[1]}' if role == 'master' else f'S{name[1]}{k}'
            ids[label] = helpers.boot_server(
                flavor(vcpus), host=hosts[host], name=f'{DEMO}-{label}',
                metadata={'hotspot_role': role}, group=group).id
    for vcpus, host in LONERS:
        label = f'V{host + 1}1'
        ids[label] = helpers.boot_server(flavor(vcpus), host=hosts[host],
                                         name=f'{DEMO}-{label}').id
    show(conn, hosts, 'before')
    print('  (the agent logs server ids: '
          + ', '.join(f'{k} = {v}' for k, v in ids.items()
                      if k.startswith('M')) + ')')

    workdir = tempfile.mkdtemp(prefix='hotspot-demo-')
    config = agent_helpers.write_config(
        pathlib.Path(workdir) / 'nova.conf', info,
        strategy='paper', migration_poll_interval=0.5)
    print(f'\n== nova-hotspot-agent --config-file {config} --once')
    print('   ([hotspot] of that nova.conf-like file, credentials omitted:)')
    for line in config.read_text().splitlines():
        if line.split(' =')[0] not in ('password', 'username', 'auth_url',
                                       'project_name'):
            print(f'   {line}')
    print()
    agent = os.path.join(os.path.dirname(sys.executable),
                         'nova-hotspot-agent')
    result = subprocess.run([agent, '--config-file', str(config), '--once'])
    hot = show(conn, hosts, 'after')
    print()
    if hot:
        print(f'RESULT: still hot: {", ".join(hot)}')
        return 1
    print('RESULT: no host is hot (agent exit code '
          f'{result.returncode})')
    return result.returncode


if __name__ == '__main__':
    try:
        sys.exit(main())
    except (openstack.exceptions.SDKException,
            keystoneauth1.exceptions.ClientException,
            subprocess.CalledProcessError) as exc:
        sys.exit(f'demo: the cloud failed: {" ".join(str(exc).split())}')
