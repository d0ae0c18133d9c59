"""What-if: run several strategies on one snapshot and measure their plans.

Used by ``nova-hotspot compare`` and by the benchmarks. Measuring a plan is
pure (the plan is replayed with ``core.load.replay``); only ``compare``
reads the clock, to report how long each strategy took to plan.
"""

import dataclasses
import math
import time

from nova_hotspot import exceptions
from nova_hotspot import plugins
from nova_hotspot.core import load
from nova_hotspot.core import lowers
from nova_hotspot.core import validate


@dataclasses.dataclass(frozen=True, slots=True)
class PlanMetrics:
    """What a plan does to a cluster, replayed move by move.

    A *mis-migration* is a move that lowers no resource that is over its
    threshold on the source at the time of the move (e.g. moving a server
    with no CPU use off a host that is hot only in CPU; ``core.lowers``,
    which also applies a plan's ``source_margin``). Utilisation spread
    is the population standard deviation of per-host use / capacity.
    """

    hot_before: int
    hot_after: int
    new_hot: int
    anti_affinity_breaks: int
    moves: int
    data_moved_mb: float
    mis_migrations: int
    cpu_spread_before: float
    cpu_spread_after: float
    mem_spread_before: float
    mem_spread_after: float
    violations: int
    unresolved: int


@dataclasses.dataclass(frozen=True, slots=True)
class StrategyReport:
    """One strategy's plan on one snapshot: timing, metrics, or the error
    that stopped it."""

    strategy: str
    plan_seconds: float
    metrics: PlanMetrics | None
    error: str | None = None


def _spread(used, capacity):
    shares = [u / c for u, c in zip(used, capacity) if c > 0]
    if not shares:
        return 0.0
    mean = math.fsum(shares) / len(shares)
    return math.sqrt(math.fsum((s - mean) ** 2 for s in shares) / len(shares))


def measure(cluster, plan):
    """The PlanMetrics of ``plan`` on ``cluster``.

    Moves that cannot be replayed (unknown servers or hosts, a server moved
    twice or not on its stated source; see ``load.replay``) are skipped
    here (the validator reports them as violations).
    """
    start = load.LoadState(cluster)
    vcpus = [h.vcpus for h in cluster.hosts]
    memory = [h.memory_mb for h in cluster.hosts]
    hot_before = set(start.hot_hosts())
    levels = lowers.Levels(start, plan.source_margin)
    counts = {'breaks': 0, 'mis': 0, 'moves': 0, 'data': 0.0}

    def before(step, state):
        if step.problem is not None:
            return
        server = cluster.servers[step.server]
        if not levels.lowered(state, server, step.source):
            counts['mis'] += 1
        if state.group_has_member_on(server.group, step.target):
            counts['breaks'] += 1
        counts['moves'] += 1
        counts['data'] += server.data_mb

    state = load.replay(cluster, plan, before)
    hot_after = set(state.hot_hosts())
    return PlanMetrics(
        hot_before=len(hot_before), hot_after=len(hot_after),
        new_hot=len(hot_after - hot_before),
        anti_affinity_breaks=counts['breaks'], moves=counts['moves'],
        data_moved_mb=counts['data'], mis_migrations=counts['mis'],
        cpu_spread_before=_spread(start.cpu_used, vcpus),
        cpu_spread_after=_spread(state.cpu_used, vcpus),
        mem_spread_before=_spread(start.mem_used, memory),
        mem_spread_after=_spread(state.mem_used, memory),
        violations=len(validate.validate_plan(cluster, plan)),
        unresolved=len(plan.unresolved))


def run_strategy(name, strategy, cluster, sources=None):
    """Plan with one strategy and measure the plan; a strategy that fails
    is reported with its error, not raised."""
    start = time.perf_counter()
    try:
        if sources is None:
            plan = strategy.plan(cluster)
        else:
            plan = strategy.plan(cluster, sources=sources)
    except Exception as exc:  # noqa: BLE001 - one bad plugin must not
        # hide the others' results
        return StrategyReport(name, time.perf_counter() - start, None,
                              f'{type(exc).__name__}: {exc}')
    seconds = time.perf_counter() - start
    return StrategyReport(name, seconds, measure(cluster, plan))


def compare(cluster, names=None, options=()):
    """A StrategyReport per registered strategy (or per name in ``names``).

    ``options`` (name, value) pairs, as ``--strategy-option`` gives them,
    go to each compared strategy that declares the option; the others get
    their defaults. An option no compared strategy declares is a
    ConfigError."""
    if names is None:
        names = plugins.names(plugins.STRATEGIES)
    given = dict(options)
    taken = set()
    loaded = []
    for name in names:
        try:
            declared = {o.name for o in plugins.load_strategy(name).OPTIONS}
        except exceptions.NovaHotspotError as exc:
            # A broken plugin is a row of its own, not the end of all.
            loaded.append((name, StrategyReport(name, 0.0, None, str(exc))))
            continue
        mine = {k: v for k, v in given.items() if k in declared}
        taken |= set(mine)
        # A value the strategy refuses is the operator's to fix: raised.
        loaded.append((name, plugins.load_strategy(name, **mine)))
    unknown = sorted(set(given) - taken)
    if unknown:
        raise exceptions.ConfigError(
            f'compare: --strategy-option {unknown[0]}: no compared strategy '
            f'takes it (compared: {", ".join(names)})')
    return [strategy if isinstance(strategy, StrategyReport)
            else run_strategy(name, strategy, cluster)
            for name, strategy in loaded]


#: Table columns: heading, and how to get the cell from a report.
COLUMNS = (
    ('strategy', lambda r: r.strategy),
    ('plan s', lambda r: f'{r.plan_seconds:.3f}'),
    ('hot before', lambda r: r.metrics.hot_before),
    ('hot after', lambda r: r.metrics.hot_after),
    ('new hot', lambda r: r.metrics.new_hot),
    ('AA breaks', lambda r: r.metrics.anti_affinity_breaks),
    ('moves', lambda r: r.metrics.moves),
    ('data GB', lambda r: f'{r.metrics.data_moved_mb / 1024:.1f}'),
    ('mis-migr.', lambda r: r.metrics.mis_migrations),
    ('cpu spread', lambda r: f'{r.metrics.cpu_spread_before:.3f}->'
                             f'{r.metrics.cpu_spread_after:.3f}'),
    ('mem spread', lambda r: f'{r.metrics.mem_spread_before:.3f}->'
                             f'{r.metrics.mem_spread_after:.3f}'),
    ('invalid', lambda r: r.metrics.violations),
)


def format_table(reports):
    """The reports as an aligned text table, one row per strategy."""
    rows = [[heading for heading, _ in COLUMNS]]
    for r in reports:
        if r.metrics is None:
            rows.append([r.strategy, f'error: {r.error}'])
        else:
            rows.append([str(cell(r)) for _, cell in COLUMNS])
    widths = [max(len(row[i]) for row in rows if i < len(row) and
                  (len(row) == len(COLUMNS)))
              for i in range(len(COLUMNS))]
    lines = []
    for row in rows:
        if len(row) != len(COLUMNS):
            lines.append(f'{row[0]:<{widths[0]}}  {row[1]}')
            continue
        lines.append('  '.join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths))))
    return '\n'.join(lines)


def to_json(reports):
    """The reports as JSON-ready data."""
    return [{'strategy': r.strategy, 'plan_seconds': r.plan_seconds,
             'error': r.error,
             'metrics': (dataclasses.asdict(r.metrics)
                         if r.metrics is not None else None)}
            for r in reports]
