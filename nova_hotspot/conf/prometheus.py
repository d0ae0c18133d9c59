"""The ``prometheus`` usage source's options, in the ``[hotspot]`` group.

Declared here, apart from the agent's own options, because they belong to
one plugin: ``load(conf)`` turns them into the ``PrometheusOptions`` the
source is built with (the source never sees the rest of the settings).

Queries are PromQL with one placeholder, ``{window}``, replaced by
``prometheus_window`` in seconds (e.g. ``300s``); nothing else in them is
touched, so label matchers in braces are safe. oslo.config interpolates
``$name`` in values: write a literal dollar sign as ``$$``.
"""

import dataclasses
import math
import urllib.parse

from oslo_config import cfg

from nova_hotspot.conf.values import bad as _bad
from nova_hotspot.conf.values import read

#: CPU in busy vCPU-equivalents per Nova instance, from the
#: prometheus-libvirt-exporter (the one kolla-ansible deploys on every
#: compute): the rate of the domain's CPU time counter (seconds of CPU per
#: second), joined to the Nova instance UUID of the same domain on the
#: same exporter (``instance``): a domain that left a host stops matching
#: there at once, even while its old counter is still inside the window.
LIBVIRT_CPU_QUERY = (
    'rate(libvirt_domain_info_cpu_time_seconds_total[{window}])'
    ' * on(instance, domain) group_left(instance_id)'
    ' libvirt_domain_openstack_info')

#: Memory in use in MB per Nova instance: the resident set of the domain's
#: process on the host (libvirt's ``rss`` memory statistic): what the host
#: really holds for the guest and what a live migration copies; it needs no
#: balloon driver or guest agent. The guest's own view, memory in use
#: without reclaimable caches, is ``available - usable`` (needs the balloon
#: statistics period set): see doc/usage-prometheus.md.
LIBVIRT_MEM_QUERY = (
    'libvirt_domain_memory_stats_rss_bytes / 1048576'
    ' * on(instance, domain) group_left(instance_id)'
    ' libvirt_domain_openstack_info')

prometheus_opts = [
    cfg.URIOpt('prometheus_url', schemes=('http', 'https'), mutable=True,
               help='usage_source=prometheus: base URL of the Prometheus '
                    'server (or a compatible API: Thanos, VictoriaMetrics, '
                    'Aetos) that scrapes the compute hosts\' exporters, '
                    'e.g. http://prometheus.example.org:9090. Required by '
                    'that source.'),
    cfg.IntOpt('prometheus_window', default=300, min=1, mutable=True,
               help='usage_source=prometheus: seconds of history a CPU rate '
                    'is taken over (the {window} of the queries). Keep it '
                    'at least 2 scrape intervals of the exporters; longer '
                    'windows smooth spikes, shorter ones react faster.'),
    cfg.FloatOpt('prometheus_timeout', default=10.0, min=0.1, mutable=True,
                 help='usage_source=prometheus: seconds one query may take '
                      '(connecting and answering; also sent to Prometheus as '
                      'its query timeout). A slower answer skips the '
                      'cycle.'),
    cfg.StrOpt('prometheus_cpu_query', default=LIBVIRT_CPU_QUERY,
               mutable=True,
               help='usage_source=prometheus: PromQL instant query giving '
                    'one sample per Nova instance: its CPU use in busy '
                    'vCPU-equivalents (1.0 = one vCPU fully busy), labelled '
                    'with the instance UUID (prometheus_instance_label). '
                    '{window} becomes prometheus_window in seconds. The '
                    'default reads the prometheus-libvirt-exporter; for '
                    'the Ceilometer Prometheus exporter use '
                    '"rate(ceilometer_cpu[{window}]) / 1e9" with '
                    'prometheus_instance_label = resource.'),
    cfg.StrOpt('prometheus_mem_query', default=LIBVIRT_MEM_QUERY,
               mutable=True,
               help='usage_source=prometheus: PromQL instant query giving '
                    'one sample per Nova instance: its memory in use in MB, '
                    'labelled like prometheus_cpu_query. The default is the '
                    'domain\'s resident set (libvirt rss) from the '
                    'prometheus-libvirt-exporter; for Ceilometer use '
                    '"ceilometer_memory_usage".'),
    cfg.StrOpt('prometheus_instance_label', default='instance_id',
               mutable=True,
               help='usage_source=prometheus: the label of the query results '
                    'that holds the Nova instance UUID ("instance_id" for '
                    'the libvirt exporter\'s openstack_info, "resource" for '
                    'Ceilometer).'),
    cfg.StrOpt('prometheus_cafile', mutable=True,
               help='usage_source=prometheus: PEM bundle of the CAs to '
                    'verify an https Prometheus with (default: the system '
                    'CAs).'),
    cfg.BoolOpt('prometheus_insecure', default=False, mutable=True,
                help='usage_source=prometheus: do not verify the https '
                     'certificate of Prometheus (test clouds only).'),
    cfg.StrOpt('prometheus_certfile', mutable=True,
               help='usage_source=prometheus: client certificate (PEM) for '
                    'a Prometheus that requires TLS client authentication.'),
    cfg.StrOpt('prometheus_keyfile', mutable=True,
               help='usage_source=prometheus: private key (PEM) of '
                    'prometheus_certfile.'),
    cfg.StrOpt('prometheus_username', mutable=True,
               help='usage_source=prometheus: user for HTTP basic '
                    'authentication (e.g. behind a reverse proxy).'),
    cfg.StrOpt('prometheus_password', secret=True, mutable=True,
               help='usage_source=prometheus: password of '
                    'prometheus_username.'),
    cfg.StrOpt('prometheus_bearer_token', secret=True, mutable=True,
               help='usage_source=prometheus: bearer token sent as '
                    '"Authorization: Bearer ..." (or use '
                    'prometheus_bearer_token_file).'),
    cfg.StrOpt('prometheus_bearer_token_file', mutable=True,
               help='usage_source=prometheus: file holding the bearer token, '
                    're-read at every cycle (rotated tokens work).'),
]


@dataclasses.dataclass(frozen=True)
class PrometheusOptions:
    """What the ``prometheus`` usage source needs, checked."""

    url: str | None = None
    window: int = 300
    timeout: float = 10.0
    cpu_query: str = LIBVIRT_CPU_QUERY
    mem_query: str = LIBVIRT_MEM_QUERY
    instance_label: str = 'instance_id'
    cafile: str | None = None
    insecure: bool = False
    certfile: str | None = None
    keyfile: str | None = None
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    bearer_token: str | None = dataclasses.field(default=None, repr=False)
    bearer_token_file: str | None = None

    def query(self, template):
        """``template`` with ``{window}`` replaced by the window."""
        return template.replace('{window}', f'{self.window}s')


_FIELDS = {f.name: 'prometheus_' + f.name
           for f in dataclasses.fields(PrometheusOptions)}


def load(conf):
    """Read and check the prometheus_* options of ``[hotspot]``.

    Every problem raises ``ConfigError`` naming the option. The URL is not
    required here (only the ``prometheus`` source needs it: see
    ``require_url``).
    """
    values = {field: read(conf, option) for field, option in _FIELDS.items()}
    return check(PrometheusOptions(**values))


def check(options):
    """``options`` if they are usable, else ConfigError naming the option
    (pure: the plugin checks options given to it directly the same way)."""
    if options.url is not None:
        parts = urllib.parse.urlsplit(options.url)
        if parts.scheme not in ('http', 'https') or not parts.netloc:
            raise _bad('prometheus_url', f'expected http(s)://host[:port]'
                       f'[/path], got {options.url!r}')
    if not isinstance(options.window, int) or options.window < 1:
        raise _bad('prometheus_window', f'must be a whole number of seconds '
                   f'>= 1, got {options.window!r}')
    if not (isinstance(options.timeout, (int, float))
            and math.isfinite(options.timeout) and options.timeout > 0):
        raise _bad('prometheus_timeout', f'must be a number of seconds > 0, '
                   f'got {options.timeout!r}')
    for field in ('cpu_query', 'mem_query', 'instance_label'):
        value = getattr(options, field)
        if not isinstance(value, str) or not value.strip():
            raise _bad(_FIELDS[field], 'must not be empty')
    if options.keyfile and not options.certfile:
        raise _bad('prometheus_keyfile', 'set without prometheus_certfile')
    if options.password and not options.username:
        raise _bad('prometheus_password', 'set without prometheus_username')
    if options.bearer_token and options.bearer_token_file:
        raise _bad('prometheus_bearer_token', 'set together with '
                   'prometheus_bearer_token_file; choose one')
    if options.bearer_token and options.username:
        raise _bad('prometheus_bearer_token', 'set together with '
                   'prometheus_username (basic auth); choose one')
    return options


def require_url(options):
    if not options.url:
        raise _bad('prometheus_url', 'required by usage_source = prometheus '
                   'but not set')
    return options


