"""Helpers of the agent's functional tests: a nova.conf-like config file
with the [hotspot] credentials of the cloud under test, and an in-process
Agent built from it."""

import openstack.config
from oslo_config import cfg

from nova_hotspot import conf as hotspot_conf
from nova_hotspot.agent import cycle

AUTH_KEYS = ('auth_url', 'username', 'password', 'project_name',
             'project_id', 'user_domain_name', 'user_domain_id',
             'project_domain_name', 'project_domain_id')


def auth_lines(cloud):
    """[hotspot] keystoneauth lines for the admin entry of ``cloud``."""
    files = [cloud.config_file] if cloud.config_file else None
    region = openstack.config.OpenStackConfig(
        config_files=files).get_one(cloud=cloud.admin_cloud)
    auth = region.config['auth']
    lines = ['auth_type = password']
    lines += [f'{k} = {auth[k]}' for k in AUTH_KEYS if auth.get(k)]
    if region.region_name:
        lines.append(f'region_name = {region.region_name}')
    interface = region.config.get('interface')
    if interface:
        lines.append(f'interface = {interface}')
    return lines


def write_config(path, cloud, **options):
    """A nova.conf-like file: [DEFAULT] noise nova has, and [hotspot]."""
    # The paper's strategy, acting on the first hot sample: these tests set
    # up one hot host and expect the paper's move in one cycle. The
    # operator's defaults (cure, 2 of 3) are not what they test; a test of
    # cure or of k of n passes its own strategy / hot_samples_*.
    hotspot = {'enabled': 'true', 'migration_poll_interval': '0.5',
               'migration_timeout': '120', 'strategy': 'paper',
               'hot_samples_required': '1', 'hot_samples_window': '1'}
    hotspot.update({k: str(v) for k, v in options.items()})
    lines = ['[DEFAULT]', 'debug = false', '', '[hotspot]']
    lines += auth_lines(cloud)
    lines += [f'{k} = {v}' for k, v in hotspot.items()]
    path.write_text('\n'.join(lines) + '\n')
    return path


def make_agent(tmp_path, cloud, **options):
    path = write_config(tmp_path / 'nova.conf', cloud, **options)
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf([], project='nova', default_config_files=[str(path)])
    return cycle.Agent(conf)


#: Flavor RAM of the test servers: load is made in vCPUs.
RAM = 512


class Flavors:
    """One flavor per (vCPU count, disk) (flavor names are unique)."""

    def __init__(self, helpers):
        self.helpers = helpers
        self.made = {}

    def __call__(self, vcpus, disk=1):
        key = (vcpus, disk)
        if key not in self.made:
            self.made[key] = self.helpers.create_flavor(
                vcpus, RAM, disk_gb=disk,
                name=self.helpers.name(f'f{vcpus}c-{disk}g'))
        return self.made[key]
