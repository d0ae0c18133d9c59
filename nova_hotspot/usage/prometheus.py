"""Usage source ``prometheus``: what servers really use, from Prometheus.

Two instant queries per cycle, whatever the size of the cloud: one gives
every instance's CPU use in busy vCPU-equivalents, the other its memory in
use in MB, each sample labelled with the Nova instance UUID
(``[hotspot] prometheus_cpu_query``, ``prometheus_mem_query``,
``prometheus_instance_label``; defaults for the prometheus-libvirt-exporter,
see conf/prometheus.py and doc/usage-prometheus.md).

Rules (each problem is reported with the server's id):

- a resource without a sample for a server keeps that server's flavor
  size for that resource (the conservative choice, never zero); reported
  for ACTIVE servers (a stopped server has no domain to sample);
- a sample that is not a finite number >= 0 is not used (the flavor is);
- CPU use above the flavor's vCPUs, or memory above its RAM, is capped at
  the flavor (a guest cannot use more); more than 10 % above it is a unit
  mistake in a custom query and is reported (less is a rate's jitter);
- two samples for one instance (e.g. a custom query without the
  exporter join, during a migration): the larger is used, reported;
- samples of instances the cloud does not list are ignored;
- when the cloud has ACTIVE servers but neither query returns a sample for
  any of them, the answer is unusable (an exporter-less Prometheus, a
  wrong query or label): ``CloudError``, the cycle is skipped, rather than
  plan the whole cloud on flavor sizes without saying so.

Prometheus unreachable, slow, answering an HTTP error or something that is
not an instant vector: ``CloudError`` from the client, the cycle is
skipped with one log line and the next cycle tries again.
"""

import math
import os

from nova_hotspot import exceptions
from nova_hotspot.cloud import prometheus as prometheus_api
from nova_hotspot.collect import build as collect_build
from nova_hotspot.conf import prometheus as prometheus_conf
from nova_hotspot.core import problems as problems_mod
from nova_hotspot.usage import base

ACTIVE = 'ACTIVE'
#: Use above the flavor is always capped; it is reported only past this
#: factor: a rate over a window of scrapes jitters by a few per cent around
#: a fully busy guest's vCPUs (scrape timing), which is not a mistake.
OVER_FLAVOR_TOLERANCE = 1.1


def _problem(kind, message, server):
    return problems_mod.Problem(kind, message, server)


class PrometheusUsage(base.UsageSource):
    name = 'prometheus'
    measures_memory = True

    def __init__(self, options=None, client=None):
        options = options if options is not None else \
            prometheus_conf.PrometheusOptions()
        self.options = prometheus_conf.require_url(
            prometheus_conf.check(options))
        self._client = client

    def client(self, hook=None):
        """The HTTP client, built once from the options."""
        if self._client is None:
            o = self.options
            verify = o.cafile or not o.insecure
            cert = (o.certfile, o.keyfile) if o.keyfile else o.certfile
            if o.bearer_token_file:
                auth = _token_file(o.bearer_token_file)
            elif o.bearer_token:
                auth = _fixed(o.bearer_token)
            elif o.username:
                auth = (o.username, o.password or '')
            else:
                auth = None
            self._client = prometheus_api.PrometheusClient(
                o.url, timeout=o.timeout, verify=verify, cert=cert,
                auth=auth, hook=hook)
        return self._client

    def usage(self, cloud, servers):
        counter = getattr(cloud, 'counter', None)
        client = self.client(hook=counter.hook if counter else None)
        cpu = client.query(self.options.query(self.options.cpu_query))
        mem = client.query(self.options.query(self.options.mem_query))
        values, problems = usage_from_samples(
            servers, cpu, mem, self.options.instance_label)
        return base.UsageReport(values=values, problems=problems)


def _fixed(token):
    return lambda: token


def _token_file(path):
    def read():
        with open(os.path.expanduser(path)) as f:
            return f.read().strip()
    return read


def by_instance(samples, label, resource, known, problems):
    """{instance uuid: value} of one query's samples (pure)."""
    values = {}
    for sample in samples:
        uuid = sample.labels.get(label)
        if uuid not in known:
            continue
        value = sample.value
        if not math.isfinite(value) or value < 0:
            problems.append(_problem(
                'bad-usage-sample', f'{resource} sample {value!r} is not a '
                f'number >= 0; the flavor is used', uuid))
            values[uuid] = None
            continue
        if uuid in values:
            previous = values[uuid]
            problems.append(_problem(
                'duplicate-usage-sample', f'{resource}: two samples '
                f'({previous!r}, {value!r}); the larger is used', uuid))
            if previous is None or value <= previous:
                continue
        values[uuid] = value
    return values


def usage_from_samples(servers, cpu_samples, mem_samples, label):
    """Map both queries' samples onto ``servers`` (pure).

    Returns ``({server id: ServerUsage}, problems)``; a server without any
    usable sample is left out (the collector keeps its flavor).
    """
    problems = []
    known = {s.id: s for s in servers}
    cpu = by_instance(cpu_samples, label, 'CPU', known, problems)
    mem = by_instance(mem_samples, label, 'memory', known, problems)
    active = [s for s in servers if s.status == ACTIVE]
    if active and not any(cpu.get(s.id) is not None
                          or mem.get(s.id) is not None for s in active):
        err = exceptions.CloudError(
            f'Prometheus returned no usable sample for any of the '
            f'{len(active)} ACTIVE servers (label {label!r}); check the '
            f'exporters, prometheus_cpu_query/prometheus_mem_query and '
            f'prometheus_instance_label')
        err.status_code = None
        raise err
    values = {}
    for server in servers:
        flavor_cpu = collect_build.number(server.flavor.vcpus)
        flavor_mem = collect_build.number(server.flavor.ram)
        got_cpu, got_mem = cpu.get(server.id), mem.get(server.id)
        if got_cpu is None and got_mem is None:
            if server.status == ACTIVE and server.id not in cpu \
                    and server.id not in mem:
                problems.append(_problem(
                    'no-usage-sample', 'no CPU or memory sample in '
                    'Prometheus; the flavor is used', server.id))
            continue
        missing = [name for name, got, raw in
                   (('CPU', got_cpu, cpu), ('memory', got_mem, mem))
                   if got is None and server.id not in raw]
        if missing and server.status == ACTIVE:
            problems.append(_problem(
                'no-usage-sample', f'no {" or ".join(missing)} sample in '
                f'Prometheus; the flavor is used for it', server.id))
        got_cpu = _within_flavor(got_cpu, flavor_cpu, 'CPU', 'busy vCPUs',
                                 server.id, problems)
        got_mem = _within_flavor(got_mem, flavor_mem, 'memory', 'MB',
                                 server.id, problems)
        if got_cpu is None or got_mem is None:
            continue        # a bad flavor: the collector's rule applies
        values[server.id] = base.ServerUsage(cpu=got_cpu, mem_mb=got_mem)
    return values, problems


def _within_flavor(got, flavor, resource, unit, server_id, problems):
    """A sample capped at the flavor's size (the flavor where there is no
    sample); more than OVER_FLAVOR_TOLERANCE above it is reported."""
    if got is None:
        return flavor
    if flavor is not None and got > flavor:
        if got > flavor * OVER_FLAVOR_TOLERANCE:
            problems.append(_problem(
                'usage-over-flavor', f'{resource} {got:.6g} {unit} > the '
                f'flavor\'s {flavor:g}; capped', server_id))
        return flavor
    return got
