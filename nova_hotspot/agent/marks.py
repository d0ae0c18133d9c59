"""The cycle hook that publishes the agent's verdict in Placement, for the
Nova scheduler (nova_hotspot/scheduler/) and flavors
(``trait:CUSTOM_HOTSPOT_CPU=forbidden``).

After detection, each cycle: record the sample (core/marks.py decides
the traits per host), read which providers carry the agent's traits (one
Placement read per trait), and change only the providers that differ
(cloud/traits.py: only the agent's traits, provider generations, retry on
409). Nothing else is written, so a steady cloud costs three reads a
cycle. Also in dry run (it moves nothing). A Placement failure is one
warning; the cycle goes on (the marks stay as they were).
"""

import logging

from nova_hotspot import exceptions
from nova_hotspot.cloud import traits as traits_gateway
from nova_hotspot.conf import marks as marks_conf
from nova_hotspot.core import marks

LOG = logging.getLogger(__name__)


class Publisher:
    """Kept by the Agent across cycles (the per-resource history)."""

    def __init__(self, conf, gateway=traits_gateway.Traits):
        self.conf = conf
        marks_conf.register_opts(conf)
        marks_conf.load(conf)       # a bad value stops the agent at start
        self._gateway = gateway
        self._marker = None
        self._created = False

    def publish(self, cloud, settings, collection, number=0):
        """Make Placement carry this cycle's verdict; return
        {host or provider: (added, removed)} of what changed (None when
        Placement could not be read)."""
        try:
            options = marks_conf.load(self.conf)
        except exceptions.ConfigError as exc:
            LOG.error('cycle %d: hotspot traits not published: %s', number,
                      exc)
            return None
        desired, names = {}, {}
        if options.publish_traits:
            window = (settings.hot_samples_required,
                      settings.hot_samples_window)
            if self._marker is None:
                self._marker = marks.Marker(*window, options.near_fraction)
            self._marker.resize(*window)
            self._marker.near_fraction = options.near_fraction
            for host, traits in self._marker.sample(
                    collection.cluster).items():
                facts = collection.hosts.get(host)
                provider = getattr(facts, 'hypervisor_id', None)
                if provider:
                    desired[provider] = traits
                    names[provider] = host
        else:
            self._marker = None     # off: no marks, a fresh history later
        gateway = self._gateway(cloud.conn)
        try:
            current = gateway.carrying(marks.OWNED_TRAITS)
        except exceptions.CloudError as exc:
            LOG.warning('cycle %d: hotspot traits not published: %s',
                        number, exc)
            return None
        changed = {}
        for provider, (add, remove) in sorted(
                marks.changes(current, desired).items()):
            label = names.get(provider, f'resource provider {provider}')
            try:
                if add and not self._created:
                    gateway.ensure(marks.OWNED_TRAITS)
                    self._created = True
                done = gateway.change(provider, add, remove)
            except exceptions.CloudError as exc:
                LOG.warning('cycle %d: hotspot traits of %s not changed: %s',
                            number, label, exc)
                continue
            if done is None:
                LOG.info('cycle %d: %s: no such resource provider in '
                         'Placement; its hotspot traits are not set',
                         number, label)
                continue
            changed[label] = (add, remove)
            LOG.info('cycle %d: %s: %s', number, label, ', '.join(
                [f'+{t}' for t in sorted(add)]
                + [f'-{t}' for t in sorted(remove)]))
        return changed
