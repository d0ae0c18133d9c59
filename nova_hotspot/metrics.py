"""Prometheus metrics of the agent (prometheus-client).

Each ``Agent`` owns one ``Metrics`` with its own registry (several agents
in one process, e.g. in tests, do not mix their counts). The service
serves it over HTTP when ``[hotspot] metrics_port`` is set (0 = off),
bound to ``[hotspot] metrics_host`` (127.0.0.1 by default).

Metrics:

- ``nova_hotspot_cycles_total{result}``: cycles by result: ``ok``,
  ``failed`` (e.g. the cloud could not be read; the cycle was skipped),
  ``standby`` (not the leader).
- ``nova_hotspot_hot_hosts``: hot hosts found by the last cycle that
  collected.
- ``nova_hotspot_migrations_total{result}``: planned migrations by
  outcome: completed, refused, failed, timeout, skipped, not-started,
  dry-run.
- ``nova_hotspot_plans_rejected_total``: plans the validator refused
  (nothing of them moved).
- ``nova_hotspot_cycle_seconds``: how long cycles take (histogram).
- ``nova_hotspot_leader``: 1 while this agent may act, else 0.
- ``nova_hotspot_migrations_stuck``: migrations Nova has run for longer
  than migration_timeout + stuck_migration_grace, at the last cycle that
  collected.
- ``nova_hotspot_targets_quarantined_total``: target hosts put in
  quarantine (a migration to them failed, timed out or was given up by
  Nova's conductor;
  ``[hotspot] target_quarantine``).
- ``nova_hotspot_api_calls_total{call}``: HTTP calls the agent made, by
  call (method, endpoint port, path with ids as ``{id}``, e.g. ``GET
  8778/resource_providers/{id}/inventories``).
- ``nova_hotspot_collect_seconds``: how long the last collection took
  (listings, inventories, usage and the build).
- ``nova_hotspot_placement_inventories_total{source}``: host inventories
  collected, by where they came from: ``cache`` (the provider's
  generation had not changed) or ``placement`` (read).
"""

import prometheus_client

CYCLE_RESULTS = ('ok', 'failed', 'standby')
MIGRATION_RESULTS = ('completed', 'refused', 'failed', 'timeout',
                     'skipped', 'not-started', 'dry-run')
INVENTORY_SOURCES = ('cache', 'placement')


class Metrics:
    def __init__(self):
        self.registry = prometheus_client.CollectorRegistry()
        reg = self.registry
        self.cycles = prometheus_client.Counter(
            'nova_hotspot_cycles', 'Agent cycles by result.', ['result'],
            registry=reg)
        self.hot_hosts = prometheus_client.Gauge(
            'nova_hotspot_hot_hosts',
            'Hot hosts found by the last cycle that collected.',
            registry=reg)
        self.migrations = prometheus_client.Counter(
            'nova_hotspot_migrations',
            'Planned migrations by outcome.', ['result'], registry=reg)
        self.plans_rejected = prometheus_client.Counter(
            'nova_hotspot_plans_rejected',
            'Plans refused by the plan validator (nothing of them moved).',
            registry=reg)
        self.cycle_seconds = prometheus_client.Histogram(
            'nova_hotspot_cycle_seconds', 'Duration of agent cycles.',
            buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
            registry=reg)
        self.leader = prometheus_client.Gauge(
            'nova_hotspot_leader', '1 while this agent may act, else 0.',
            registry=reg)
        self.stuck = prometheus_client.Gauge(
            'nova_hotspot_migrations_stuck',
            'Migrations in flight for longer than migration_timeout + '
            'stuck_migration_grace (last cycle that collected).',
            registry=reg)
        self.quarantined = prometheus_client.Counter(
            'nova_hotspot_targets_quarantined',
            'Target hosts put in quarantine after a migration to them '
            'failed, timed out or was given up by Nova.', registry=reg)
        self.api_calls = prometheus_client.Counter(
            'nova_hotspot_api_calls', 'HTTP calls made, by call.',
            ['call'], registry=reg)
        self.collect_seconds = prometheus_client.Gauge(
            'nova_hotspot_collect_seconds',
            'Duration of the last collection.', registry=reg)
        self.placement_inventories = prometheus_client.Counter(
            'nova_hotspot_placement_inventories',
            'Host inventories collected, by source: cache (provider '
            'generation unchanged) or placement (read).', ['source'],
            registry=reg)
        # Every label value exists from the start (at 0), so a rate() or
        # an alert on it works before the first event.
        for result in CYCLE_RESULTS:
            self.cycles.labels(result)
        for result in MIGRATION_RESULTS:
            self.migrations.labels(result)
        for source in INVENTORY_SOURCES:
            self.placement_inventories.labels(source)

    def cycle(self, report, leading):
        """Count one finished ``cycle.CycleReport``."""
        self.leader.set(1 if leading else 0)
        if report.error:
            result = 'failed'
        elif report.collection is None:
            result = 'standby'
        else:
            result = 'ok'
        self.cycles.labels(result).inc()
        if report.collection is not None:
            self.hot_hosts.set(len(report.hotspots))
            self.stuck.set(len(report.collection.stuck))
            self.collect_seconds.set(report.collection.seconds)
            for source, count in \
                    report.collection.inventory_sources.items():
                self.placement_inventories.labels(source).inc(count)
        for call, count in report.api_calls.items():
            self.api_calls.labels(call).inc(count)
        if report.violations:
            self.plans_rejected.inc()
        for outcome in report.outcomes:
            self.migrations.labels(outcome.result).inc()
        self.quarantined.inc(len(report.quarantined))
        self.cycle_seconds.observe(report.seconds)

    def value(self, name, **labels):
        """Current value of a sample (0 if absent), for tests and logs."""
        value = self.registry.get_sample_value(name, labels or None)
        return value or 0.0

    def text(self):
        """The exposition text, as the HTTP endpoint serves it."""
        return prometheus_client.generate_latest(self.registry).decode()

    def serve(self, port, host='127.0.0.1'):
        """Serve the metrics on http://host:port/metrics in a thread;
        returns (server, thread)."""
        return prometheus_client.start_http_server(
            port, addr=host, registry=self.registry)
