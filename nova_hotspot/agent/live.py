"""A live cloud for the CLI (``nova-hotspot plan --cloud`` /
``--config-file``, ``snapshot``, ``apply``): open it, collect it as the
agent does, and the agent's saved limits (cooldowns, quarantine), shared
by every command so that each sees the cloud as the agent would."""

import dataclasses
import os
import socket
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


def open_cloud(cloud_name=None, config_files=(), cpu_threshold=None,
               mem_threshold=None, connect=None):
    """(conf, settings, cloud) for the CLI: the ``[hotspot]`` options of
    ``config_files`` (their defaults without any) and a connection.

    ``connect``: a function of the compute API microversion returning a
    ``cloud.Cloud`` (``openstack hotspot``: openstackclient's
    credentials); else ``cloud_name``: a clouds.yaml entry (admin rights);
    otherwise the keystoneauth options of ``[hotspot]`` in
    ``config_files`` are used. Explicit ``cpu_threshold``/
    ``mem_threshold`` override the options."""
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
    return conf, settings, cloud


def collect_live(conf, settings, cloud, limits=None, clock=time.time):
    """A ``collect.build.Collection`` of the cloud, as the agent collects
    it: the agent's saved cooldowns and target quarantines (``limits``,
    else restored here, see ``restore_limits``) pin servers and make hosts
    no targets, with the reasons; stuck migrations pin their hosts."""
    usage = plugins.load(plugins.USAGE_SOURCES, settings.usage_source,
                         options=cycle.usage_options(conf, settings))
    if limits is None:
        limits = restore_limits(settings, clock, conf)
    now = clock()
    return collect_fetch.collect(
        cloud, collect_build.Options.from_settings(settings), usage,
        limits.cooldowns.pins(now), limits.quarantine.hosts(now),
        stuck_after=(settings.migration_timeout
                     + settings.stuck_migration_grace),
        workers=settings.placement_workers)


@dataclasses.dataclass
class SavedLimits:
    """The agent's cooldowns and target quarantine, restored from where
    the agent keeps its state; ``persistence`` (None where it keeps none)
    saves them again as they change, so what ``apply`` does counts for
    the agent."""

    cooldowns: limits_mod.Cooldowns
    quarantine: limits_mod.Quarantine
    persistence: state_mod.Persistence | None = None


def state_store(settings, conf=None):
    """Where the agent keeps its state, as the agent chooses it: the
    coordination backend of ``conf``'s ``[coordination] backend_url``
    when that backend holds state (``state_backends.SCHEMES``), else the
    file ``[hotspot] state_path``, else None. An unreachable backend is a
    CloudError naming its (masked) URL."""
    url = conf.coordination.backend_url if conf is not None else None
    scheme = urllib.parse.urlsplit(url).scheme if url else None
    if scheme in state_backends.SCHEMES:
        coordination.check_backend_url(url)
        coordinator = coordination.join(
            url, f'nova-hotspot-cli-{socket.gethostname()}-{os.getpid()}')
        return state_backends.for_coordinator(coordinator, scheme,
                                              conf.coordination.group)
    if settings.state_path:
        return state_mod.FileStore(settings.state_path)
    return None


def restore_limits(settings, clock=time.time, conf=None):
    """``SavedLimits`` from where the agent keeps its state (``conf``:
    see ``state_store``; empty where it keeps none)."""
    cooldowns = limits_mod.Cooldowns(settings.cooldown)
    quarantine = limits_mod.Quarantine(settings.target_quarantine)
    saved = SavedLimits(cooldowns, quarantine)
    store = state_store(settings, conf)
    if store is not None:
        saved.persistence = state_mod.Persistence(
            store, cooldowns, quarantine,
            history_mod.HotHistory(settings.hot_samples_required,
                                   settings.hot_samples_window),
            clock)
        saved.persistence.restore()
        cooldowns.on_change = saved.persistence.save
        quarantine.on_change = saved.persistence.save
    return saved


def collect(cloud_name=None, config_files=(), cpu_threshold=None,
            mem_threshold=None, connect=None):
    """A ``collect.build.Collection`` of a live cloud (``open_cloud``,
    then ``collect_live``): the agent's saved cooldowns and target
    quarantines (coordination backend or ``[hotspot] state_path``) apply
    too, so the plan made on it is the one the agent would make."""
    conf, settings, cloud = open_cloud(cloud_name, config_files,
                                       cpu_threshold, mem_threshold,
                                       connect)
    return collect_live(conf, settings, cloud)


def saved_state(settings, clock=time.time, conf=None):
    """(cooldown pins, quarantined hosts) from where the agent keeps its
    state (``restore_limits``)."""
    saved = restore_limits(settings, clock, conf)
    now = clock()
    return saved.cooldowns.pins(now), saved.quarantine.hosts(now)
