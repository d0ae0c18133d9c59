"""Time to cure: how long a plan takes to carry out, sequential vs in
parallel under the actuator's limits, with the plan in strategy order
and worst first.

    python -m benchmarks.time_to_cure --hosts 100 1000 10000 --seed 1

For each size it generates a seeded cluster (benchmarks/generate.py), plans
it (``--strategy``, default cure and paper; cure already orders its moves
worst first, paper does not) and runs the plan through the actuator's
own ``actuators.limits.Gate`` on a simulated clock. The model, kept simple
on purpose:

* one live migration takes ``--setup-seconds`` (10 s: scheduling, pre-
  checks, switch-over) plus its data (``Server.data_mb``: memory in use and,
  with local storage, the disks) over ``--bandwidth`` (500 MB/s, about a
  4 Gbit/s share of a 10 Gbit/s migration network), whatever else runs;
* the whole plan is one cycle (no ``max_migrations_per_cycle`` cut), and
  every move completes;
* the limits are the agent's: ``max_concurrent_migrations`` /
  ``max_migrations_per_host`` / ``max_incoming_migrations_per_host``
  (each ``--limits C/S/T`` is one configuration; the first, 1/1/0, is the
  defaults: one migration at a time), never two of one server group at
  once, and a move onto a host waits for the moves before it that leave
  the host.

Reported per configuration: the time until the last move ends, and the
time until the hottest tenth of the hot hosts is cured (its last move off
ends), with the strategy's order and with ``core.order.worst_first``.
"""

import argparse
import heapq
import sys

from benchmarks import generate
from nova_hotspot import plugins
from nova_hotspot.actuators import limits as limits_mod
from nova_hotspot.core import order

SETUP_SECONDS = 10.0
BANDWIDTH_MB_S = 500.0
LIMITS = ('1/1/0', '8/1/0', '8/2/2', '32/2/2')


def migration_seconds(data_mb, setup=SETUP_SECONDS,
                      bandwidth=BANDWIDTH_MB_S):
    return setup + data_mb / bandwidth


def carry_out(cluster, plan, limits, seconds):
    """Simulate ``plan`` under ``limits`` (``limits.Limits``); ``seconds``
    (migration -> its duration). Returns {move index: finish time}."""
    groups = {s.id: s.group for s in cluster.servers}
    gate = limits_mod.Gate(limits, groups)
    pending = list(enumerate(plan.migrations))
    running = []            # heap of (finish, index)
    now = 0.0
    finished = {}
    while pending or running:
        chosen = gate.startable([m for _, m in pending])
        started = {id(m) for m in chosen}
        for index, migration in pending:
            if id(migration) in started:
                heapq.heappush(running, (now + seconds(migration), index))
        pending = [(i, m) for i, m in pending if id(m) not in started]
        if not running:
            raise RuntimeError(f'{len(pending)} moves can never start: '
                               f'{gate.blocked(pending[0][1])}')
        now, index = heapq.heappop(running)
        gate.finish(plan.migrations[index])
        finished[index] = now
    return finished


def cured_at(plan, finished, hosts):
    """When each of ``hosts`` is cured: its last move off ends."""
    result = {}
    for index, migration in enumerate(plan.migrations):
        if migration.source in hosts:
            result[migration.source] = max(result.get(migration.source, 0.0),
                                           finished[index])
    return result


def parse_limits(text):
    try:
        concurrent, per_host, per_target = (int(x) for x in text.split('/'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'--limits {text!r}: expected C/S/T, e.g. 8/2/2') from None
    if concurrent < 1 or per_host < 1 or per_target < 0:
        raise argparse.ArgumentTypeError(
            f'--limits {text!r}: C and S must be >= 1, T >= 0')
    return text, limits_mod.Limits(max_concurrent=concurrent,
                                   max_per_host=per_host,
                                   max_per_target=per_target)


def run(cluster, seed, strategy_name, configurations, setup, bandwidth,
        out=sys.stdout):
    strategy = plugins.load(plugins.STRATEGIES, strategy_name)
    plan = strategy.plan(cluster)
    worst = order.worst_first(cluster, plan)
    heat = order.heat(cluster)
    cured = {m.source for m in plan.migrations} & set(heat)
    hottest = sorted(cured, key=lambda h: -heat[h])[:max(1, len(cured) // 10)]

    def seconds(migration):
        return migration_seconds(cluster.server(migration.server).data_mb,
                                 setup, bandwidth)
    data_gb = sum(cluster.server(m.server).data_mb
                  for m in plan.migrations) / 1024
    print(f'## {len(cluster.hosts)} hosts, {len(cluster.servers)} servers, '
          f'seed {seed}: '
          f'{strategy_name} plans {len(plan.migrations)} moves '
          f'({data_gb:.0f} GB) off {len(cured)} hot hosts; hottest tenth: '
          f'{len(hottest)} hosts', file=out)
    print('| limits C/S/T | all done, strategy order | all done, worst first '
          '| hottest tenth cured, strategy order | hottest tenth cured, '
          'worst first |', file=out)
    print('|---|---|---|---|---|', file=out)
    for text, limits in configurations:
        results = [(p, carry_out(cluster, p, limits, seconds))
                   for p in (plan, worst)]
        ends = [max(f.values(), default=0.0) for _, f in results]
        ends += [max(cured_at(p, f, set(hottest)).values(), default=0.0)
                 for p, f in results]
        cells = [f'{end / 60:.1f} min' for end in ends]
        print(f'| {text} | ' + ' | '.join(cells) + ' |', file=out)
        out.flush()
    print(file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, nargs='+',
                        default=[100, 1000, 10000])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--strategy', action='append', dest='strategies',
                        help='repeatable (default cure and paper)')
    parser.add_argument('--limits', type=parse_limits, action='append',
                        help='max_concurrent_migrations/'
                        'max_migrations_per_host/'
                        'max_incoming_migrations_per_host, repeatable '
                        f'(default {" ".join(LIMITS)})')
    parser.add_argument('--setup-seconds', type=float, default=SETUP_SECONDS)
    parser.add_argument('--bandwidth', type=float, default=BANDWIDTH_MB_S,
                        metavar='MB_S')
    args = parser.parse_args(argv)
    configurations = args.limits or [parse_limits(t) for t in LIMITS]
    for hosts in args.hosts:
        cluster = generate.generate(hosts, seed=args.seed)
        for name in args.strategies or ('cure', 'paper'):
            run(cluster, args.seed, name, configurations,
                args.setup_seconds, args.bandwidth)


if __name__ == '__main__':
    main()
