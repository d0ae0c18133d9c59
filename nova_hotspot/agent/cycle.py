"""One agent cycle: collect -> detect -> plan -> validate -> act.

``Agent`` keeps what lives across cycles: the connection, the loaded
plugins, the cooldowns, counters. ``run_once()`` returns a ``CycleReport``
(the functional tests and ``tools/demo`` read it; the service logs it).
"""

import dataclasses
import logging
import threading
import time

from nova_hotspot import exceptions
from nova_hotspot import metrics as metrics_mod
from nova_hotspot import plan_report
from nova_hotspot import plugins
from nova_hotspot.actuators import limits as limits_mod
from nova_hotspot.agent import coordination
from nova_hotspot.agent import marks as marks_hook
from nova_hotspot.agent import state as state_mod
from nova_hotspot.agent import state_backends
from nova_hotspot.cloud import Cloud
from nova_hotspot.collect import build as collect_build
from nova_hotspot.collect import fetch as collect_fetch
from nova_hotspot.collect import inventories as collect_inventories
from nova_hotspot.conf import hotspot as hotspot_conf
from nova_hotspot.conf import prometheus as prometheus_conf
from nova_hotspot.conf import settings as settings_mod
from nova_hotspot.core import detect
from nova_hotspot.core import history as history_mod
from nova_hotspot.core import order
from nova_hotspot.core import validate
from nova_hotspot.core import words

LOG = logging.getLogger(__name__)

#: Options that only take effect at start (not re-read on SIGHUP).
IMMUTABLE = ('interval', 'compute_api_version', 'region_name', 'interface',
             'metrics_port', 'metrics_host', 'state_path')


@dataclasses.dataclass
class CycleReport:
    number: int
    collection: collect_build.Collection | None = None
    hotspots: list = dataclasses.field(default_factory=list)
    plan: object = None
    violations: list = dataclasses.field(default_factory=list)
    outcomes: list = dataclasses.field(default_factory=list)
    #: Targets this cycle put in quarantine.
    quarantined: list = dataclasses.field(default_factory=list)
    api_calls: dict = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    @property
    def total_api_calls(self):
        return sum(self.api_calls.values())


class _StopOrLost:
    """What the actuator asks before starting each migration: stop when
    the agent stops or loses the leadership."""

    def __init__(self, stop, leader):
        self.stop, self.leader = stop, leader

    def is_set(self):
        return self.stop.is_set() or not self.leader.is_leader()


def load_strategy(settings):
    """The configured strategy with its ``strategy_options``; errors name
    the option to fix."""
    try:
        return plugins.load(plugins.STRATEGIES, settings.strategy,
                            **dict(settings.strategy_options))
    except exceptions.PluginNotFound as exc:
        raise exceptions.ConfigError(
            f'[{hotspot_conf.GROUP_NAME}] strategy: {exc}') from None
    except exceptions.NovaHotspotError as exc:
        # The strategy refused its options, or takes none of that name.
        raise exceptions.ConfigError(
            f'[{hotspot_conf.GROUP_NAME}] strategy_options: {exc}') from None


def usage_options(conf, settings):
    """The typed options of the configured usage source (None: it takes
    none)."""
    if settings.usage_source == 'diagnostics':
        from nova_hotspot.usage import diagnostics
        return diagnostics.DiagnosticsOptions(
            sample_seconds=settings.diagnostics_sample_seconds)
    if settings.usage_source == 'prometheus':
        return prometheus_conf.load(conf)
    return None


class Agent:
    def __init__(self, conf, cloud=None, clock=time.time, leader=None):
        self.conf = conf
        # Solo unless [coordination] backend_url is set; the service
        # starts and stops it.
        self.leader = leader if leader is not None else \
            coordination.from_conf(conf)
        self.settings = settings_mod.load(conf)
        self.cloud = cloud if cloud is not None else Cloud.from_conf(
            conf, self.settings)
        self.clock = clock
        self.cooldowns = limits_mod.Cooldowns(self.settings.cooldown)
        self.quarantine = limits_mod.Quarantine(
            self.settings.target_quarantine)
        self.stop = threading.Event()
        self.cycles = 0
        self.rejected_plans = 0
        self.metrics = metrics_mod.Metrics()
        #: Placement inventories kept across cycles (collect.inventories)
        self.inventories = collect_inventories.InventoryCache()
        self.history = history_mod.HotHistory(
            self.settings.hot_samples_required,
            self.settings.hot_samples_window)
        self._load_plugins(self.settings)
        self.marks = marks_hook.Publisher(conf)
        self._leading = False
        #: server id -> target of this agent's requests Nova may still
        #: run (names the target of a stuck migration Nova's record does
        #: not name)
        self.requested_targets = {}
        self.persistence = self._persistence()
        if self.persistence is not None:
            self.persistence.restore()
            self.cooldowns.on_change = self.persistence.save
            self.quarantine.on_change = self.persistence.save

    def _persistence(self):
        """Where the state is kept: in the coordination backend when it
        can hold it (its store is made, and the state read, each time this
        agent becomes the leader), else in ``state_path``, else nowhere."""
        scheme = getattr(self.leader, 'scheme', None)
        if scheme in state_backends.SCHEMES:
            return state_mod.Persistence(None, self.cooldowns,
                                         self.quarantine, self.history,
                                         self.clock)
        if scheme is not None:
            LOG.warning('state: the %s coordination backend holds no '
                        'state (%s do); kept in %s', scheme,
                        ', '.join(state_backends.SCHEMES),
                        f'[hotspot] state_path {self.settings.state_path}'
                        if self.settings.state_path else 'memory only')
        if self.settings.state_path:
            return state_mod.Persistence(
                state_mod.FileStore(self.settings.state_path),
                self.cooldowns, self.quarantine, self.history, self.clock)
        return None

    def _take_over_state(self):
        """On becoming the leader: read the state the previous leader
        left in the coordination backend."""
        if self.persistence is None or getattr(
                self.leader, 'scheme', None) not in state_backends.SCHEMES:
            return
        self.persistence.store = state_backends.for_coordinator(
            self.leader.coordinator, self.leader.scheme, self.leader.group)
        self.persistence.restore()

    def _save_state(self):
        if self.persistence is not None:
            self.persistence.history = self.history
            self.persistence.save()

    def _load_plugins(self, settings):
        def load(option, namespace, name, **kwargs):
            try:
                return plugins.load(namespace, name, **kwargs)
            except exceptions.PluginNotFound as exc:
                # Name the option the operator has to fix.
                raise exceptions.ConfigError(
                    f'[{hotspot_conf.GROUP_NAME}] {option}: {exc}') from None

        strategy = load_strategy(settings)
        usage = load('usage_source', plugins.USAGE_SOURCES,
                     settings.usage_source,
                     options=usage_options(self.conf, settings))
        actuator_name = 'log' if settings.dry_run else settings.actuator
        actuator = load('actuator', plugins.ACTUATORS, actuator_name,
                        limits=limits_mod.Limits.from_settings(settings),
                        clock=self.clock)
        self.strategy, self.usage, self.actuator = strategy, usage, actuator

    def reload(self):
        """Re-read the config files (SIGHUP): mutable options take effect,
        plugins are reloaded. A bad new config is logged and the old one
        kept."""
        try:
            self.conf.mutate_config_files()
            settings = settings_mod.load(self.conf)
            for name in IMMUTABLE:
                if getattr(settings, name) != getattr(self.settings, name):
                    LOG.warning('[hotspot] %s changed; it takes effect only '
                                'after a restart', name)
                    settings = dataclasses.replace(
                        settings, **{name: getattr(self.settings, name)})
            self._load_plugins(settings)
            window = (settings.hot_samples_required,
                      settings.hot_samples_window)
            if window != (self.history.k, self.history.n):
                history = history_mod.HotHistory(*window)
                for sample in self.history.samples():
                    history.record_hot(sample)
                self.history = history
                if self.persistence is not None:
                    self.persistence.history = history
        except exceptions.NovaHotspotError as exc:
            LOG.error('reload refused, keeping the previous options: %s',
                      exc)
            return False
        self.settings = settings
        self.cooldowns.seconds = settings.cooldown
        self.quarantine.seconds = settings.target_quarantine
        LOG.info('options reloaded: enabled=%s strategy=%s usage_source=%s '
                 'actuator=%s dry_run=%s', settings.enabled,
                 settings.strategy, settings.usage_source,
                 self.actuator.name, settings.dry_run)
        return True

    def run_once(self):
        """One cycle; never raises for cloud or plugin trouble (the report
        says what went wrong)."""
        self.cycles += 1
        report = CycleReport(self.cycles)
        start = time.monotonic()
        self.cloud.counter.take()
        try:
            self._cycle(report)
        except exceptions.NovaHotspotError as exc:
            report.error = str(exc)
            LOG.error('cycle %d failed: %s', report.number, exc)
        report.api_calls = dict(self.cloud.counter.take())
        report.seconds = time.monotonic() - start
        self.metrics.cycle(report, self.leader.is_leader())
        LOG.info('cycle %d: %.1fs, %d API calls (%s)', report.number,
                 report.seconds, report.total_api_calls,
                 ', '.join(f'{k}: {v}' for k, v in
                           sorted(report.api_calls.items())) or 'none')
        return report

    def _cycle(self, report):
        settings = self.settings
        if not self.leader.is_leader():
            self._leading = False
            LOG.info('cycle %d: standing by (not the leader)', report.number)
            return
        if not self._leading:
            self._leading = True
            self._take_over_state()
        now = self.clock()
        pins = self.cooldowns.pins(now)
        quarantined = self.quarantine.hosts(now)
        if quarantined:
            LOG.info('cycle %d: no target: %s', report.number, '; '.join(
                f'{h} {w}' for h, w in sorted(quarantined.items())))
        collection = collect_fetch.collect(
            self.cloud, collect_build.Options.from_settings(settings),
            self.usage, pins, quarantined,
            stuck_after=(settings.migration_timeout
                         + settings.stuck_migration_grace),
            clock=self.clock, cache=self.inventories,
            workers=settings.placement_workers,
            requested=self.requested_targets)
        # Only those Nova still migrates are worth remembering.
        self.requested_targets = {
            s: t for s, t in self.requested_targets.items()
            if s in collection.migrating}
        report.collection = collection
        cluster = collection.cluster
        LOG.info('cycle %d: collected %d hosts, %d servers in %.1fs '
                 '(%d API calls; inventories: %d cached, %d read)',
                 report.number, len(cluster.hosts), len(cluster.servers),
                 collection.seconds, sum(collection.api_calls.values()),
                 collection.inventory_sources.get('cache', 0),
                 collection.inventory_sources.get('placement', 0))
        for problem in collection.problems:
            LOG.warning('cycle %d: %s', report.number, problem)
        for item in sorted(collection.stuck.values(),
                           key=lambda s: s.server):
            LOG.error('cycle %d: %s; its server, group and hosts stay '
                      'pinned, it no longer counts against the limits',
                      report.number, item)
        if collection.migrating:
            LOG.info('cycle %d: %d migration(s) in flight in Nova (%s): '
                     'those servers and their groups wait', report.number,
                     len(collection.migrating),
                     ', '.join(sorted(words.label_in(cluster, s)
                                      for s in collection.migrating)))
        report.hotspots = detect.detect(cluster)
        self.marks.publish(self.cloud, settings, collection, report.number)
        hot = [h.host for h in report.hotspots]
        self.history.record_hot(hot)
        self._save_state()
        if not report.hotspots:
            LOG.info('cycle %d: no hot host', report.number)
            return
        sources = None
        if self.history.k > 1:
            sources = self.history.persistent(hot)
            LOG.info('cycle %d: hot now: %s; hot in %d of the last %d '
                     'cycles: %s', report.number, ', '.join(hot),
                     self.history.k, len(self.history),
                     ', '.join(sorted(sources)) or 'none')
        # The actuator starts moves in plan order within its limits, and
        # max_migrations_per_cycle cuts the tail: the worst hosts first.
        plan = order.worst_first(
            cluster, self.strategy.plan(cluster, sources=sources))
        report.plan = plan
        report.violations = validate.validate_plan(cluster, plan)
        table = plan_report.format_table(plan_report.build(
            cluster, plan, report.violations, report.hotspots))
        for line in table.splitlines():
            LOG.info('cycle %d: %s', report.number, line)
        if report.violations:
            self.rejected_plans += 1
            LOG.error('cycle %d: plan of strategy %s refused by the '
                      'validator (%d violation(s), %d plan(s) refused so '
                      'far); nothing moves', report.number, plan.strategy,
                      len(report.violations), self.rejected_plans)
            return
        if not plan.migrations:
            return
        report.outcomes = self.actuator.execute(
            self.cloud, collection, plan, self.cooldowns,
            _StopOrLost(self.stop, self.leader), self.quarantine)
        report.quarantined = self.quarantine.take_new()
        self.requested_targets.update(
            (o.server, o.target) for o in report.outcomes if o.attempted)
        for outcome in report.outcomes:
            level = logging.INFO if outcome.result in (
                'completed', 'dry-run') else logging.WARNING
            LOG.log(level, 'cycle %d: %s', report.number,
                    plan_report.outcome_line(outcome, cluster))
