"""Collect a live cloud for the CLI (``nova-hotspot plan --cloud`` /
``--config-file``, ``nova-hotspot snapshot``): nothing is moved."""

import dataclasses
import logging
import os
import time
import urllib.parse

from oslo_config import cfg

from nova_hotspot import conf as hotspot_conf
from nova_hotspot import exceptions
from nova_hotspot import plugins
from nova_hotspot.actuators import limits as limits_mod
from nova_hotspot.agent import coordination
from nova_hotspot.agent import cycle
from nova_hotspot.agent import state as state_mod
from nova_hotspot.agent import state_backends
from nova_hotspot.cloud import Cloud
from nova_hotspot.collect import build as collect_build
from nova_hotspot.collect import fetch as collect_fetch
from nova_hotspot.conf import settings as settings_mod
from nova_hotspot.core import history as history_mod

LOG = logging.getLogger(__name__)


def collect(cloud_name=None, config_files=(), cpu_threshold=None,
            mem_threshold=None, connect=None):
    """A ``collect.build.Collection`` of a live cloud.

    ``connect``: a function of the compute API microversion returning a
    ``cloud.Cloud`` (``openstack hotspot``: openstackclient's
    credentials); else ``cloud_name``: a clouds.yaml entry (admin rights);
    otherwise the keystoneauth options of ``[hotspot]`` in
    ``config_files`` are used.
    ``[hotspot]`` options (thresholds, capacity, usage source, role key,
    exclusions) come from ``config_files`` when given, else their
    defaults; explicit ``cpu_threshold``/``mem_threshold`` override them.
    With ``[hotspot] state_path`` (or the state in the coordination
    backend) the agent's saved cooldowns and target quarantines apply
    too (servers pinned, hosts no targets, with the reasons), so the plan
    is the one the agent would make; stuck migrations pin their hosts as
    in the agent.
    """
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    try:
        conf([], project='nova', prog='nova-hotspot',
             default_config_files=list(config_files))
    except cfg.Error as exc:
        raise exceptions.ConfigError(' '.join(str(exc).split())) from None
    settings = settings_mod.load(conf)
    overrides = {}
    if cpu_threshold is not None:
        overrides['cpu_threshold'] = cpu_threshold
    if mem_threshold is not None:
        overrides['mem_threshold'] = mem_threshold
    settings = dataclasses.replace(settings, **overrides)
    if connect is not None:
        cloud = connect(settings.compute_api_version)
    elif cloud_name:
        cloud = Cloud.from_cloud_name(cloud_name,
                                      settings.compute_api_version)
    else:
        cloud = Cloud.from_conf(conf, settings)
    usage = plugins.load(plugins.USAGE_SOURCES, settings.usage_source,
                         options=cycle.usage_options(conf, settings))
    backend = None
    if conf.coordination.backend_url and urllib.parse.urlsplit(
            conf.coordination.backend_url).scheme in state_backends.SCHEMES:
        backend = (conf.coordination.backend_url, conf.coordination.group)
    pins, quarantined = saved_state(settings, backend=backend)
    return collect_fetch.collect(
        cloud, collect_build.Options.from_settings(settings), usage, pins,
        quarantined, stuck_after=(settings.migration_timeout
                                  + settings.stuck_migration_grace),
        workers=settings.placement_workers)


def saved_state(settings, clock=time.time, backend=None):
    """(cooldown pins, quarantined hosts) the agent saved: in the
    coordination backend ``backend`` ((url, group), when the agents keep
    their state there), else in its state file (empty without
    ``state_path``). A backend that cannot be reached is one warning."""
    cooldowns = limits_mod.Cooldowns(settings.cooldown)
    quarantine = limits_mod.Quarantine(settings.target_quarantine)
    persistence = state_mod.Persistence(
        None, cooldowns, quarantine,
        history_mod.HotHistory(settings.hot_samples_required,
                               settings.hot_samples_window), clock)
    coordinator = None
    if backend is not None:
        url, group = backend
        scheme = urllib.parse.urlsplit(url).scheme
        try:
            coordinator = coordination.join(
                url, f'nova-hotspot-plan:{os.getpid()}')
        except exceptions.CloudError as exc:
            LOG.warning('state: not read (%s)', exc)
        else:
            persistence.store = state_backends.for_coordinator(
                coordinator, scheme, group)
    elif settings.state_path:
        persistence.store = state_mod.FileStore(settings.state_path)
    try:
        persistence.restore()
    finally:
        if coordinator is not None:
            coordinator.stop()
    now = clock()
    return cooldowns.pins(now), quarantine.hosts(now)
