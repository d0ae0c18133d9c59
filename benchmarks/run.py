"""Benchmark runner: plan generated clusters with every strategy.

    python -m benchmarks.run --hosts 100 1000 10000 --seed 1
    python -m benchmarks.run --snapshot FILE
    python -m benchmarks.run --quality 40 --quality-hosts 20 100

For each cluster size it generates a seeded snapshot (benchmarks/generate.py),
serialises it and times loading it back (snapshot.loads), then plans with
every registered strategy and prints compare.format_table's columns.

``--quality N`` instead generates N small clusters, solves each exactly with
the MILP of benchmarks/milp.py (minimum data moved such that no host is over
a threshold and no group shares a host) and reports, per strategy, on the
clusters the MILP solves: hotspots left that the MILP cures, data moved and
moves as a ratio to the MILP's, new hot hosts, anti-affinity breaks and
mis-migrations. Timings are wall clock on whatever machine runs this.
"""

import argparse
import json
import statistics
import sys
import time

from benchmarks import generate
from nova_hotspot import compare
from nova_hotspot import plugins
from nova_hotspot.core import load
from nova_hotspot.core import options as strategy_options
from nova_hotspot.core import snapshot


def hot_after(cluster, plan):
    """Names of the hosts still hot once ``plan`` is carried out."""
    state = load.replay(cluster, plan)
    return {cluster.hosts[hi].name for hi in state.hot_hosts()}


def _strategies(names, options=()):
    names = names or plugins.names(plugins.STRATEGIES)
    return [(n, plugins.load_strategy(n, **dict(options) if n == 'cure'
                                      else {})) for n in names]


def scale_run(hosts_list, seed, hot_fraction, servers_per_host, names,
              repeat):
    strategies = _strategies(names)
    for hosts in hosts_list:
        cluster = generate.generate(hosts, servers_per_host, hot_fraction,
                                    seed)
        text = json.dumps(snapshot.to_dict(cluster))
        start = time.perf_counter()
        cluster = snapshot.loads(text)
        load_s = time.perf_counter() - start
        print(f'## {hosts} hosts, {len(cluster.servers)} servers, seed '
              f'{seed}, hot fraction {hot_fraction}: snapshot '
              f'{len(text) / 1e6:.1f} MB loaded in {load_s:.2f} s')
        reports = []
        for name, strategy in strategies:
            runs = [compare.run_strategy(name, strategy, cluster)
                    for _ in range(repeat)]
            best = min(runs, key=lambda r: r.plan_seconds)
            reports.append(best)
        print(compare.format_table(reports))
        print()
        sys.stdout.flush()


def quality_run(count, hosts_list, seed, hot_fraction, servers_per_host,
                names, time_limit, options=()):
    from benchmarks import milp  # scipy: a benchmark-only dependency
    strategies = _strategies(names, options)
    rows = {name: [] for name, _ in strategies}
    solved = 0
    milp_seconds = []
    for k in range(count):
        hosts = hosts_list[k % len(hosts_list)]
        cluster = generate.generate(hosts, servers_per_host, hot_fraction,
                                    seed + k)
        refs = {}
        for _name, strategy in strategies:
            margin = getattr(strategy, 'source_margin', 0.0)
            if margin not in refs:
                refs[margin] = milp.solve(cluster, time_limit=time_limit,
                                          source_margin=margin)
                milp_seconds.append(refs[margin].seconds)
        if not all(ref.optimal for ref in refs.values()):
            continue
        solved += 1
        for name, strategy in strategies:
            # The reference takes the strategy's source margin, so that the
            # ratio is to the optimum of the same goal.
            ref = refs[getattr(strategy, 'source_margin', 0.0)]
            start = time.perf_counter()
            plan = strategy.plan(cluster)
            seconds = time.perf_counter() - start
            m = compare.measure(cluster, plan)
            # Hosts left hot that the reference cures.
            missed = len(hot_after(cluster, plan) - set(ref.left_hot))
            rows[name].append((
                missed,
                m.data_moved_mb / ref.data_moved_mb
                if ref.data_moved_mb else (1.0 if not m.data_moved_mb
                                           else float('inf')),
                m.moves / ref.moves if ref.moves else
                (1.0 if not m.moves else float('inf')),
                m.new_hot, m.anti_affinity_breaks, m.mis_migrations,
                m.violations, seconds))
    print(f'## quality: {count} clusters of {"/".join(map(str, hosts_list))}'
          f' hosts, seeds {seed}..{seed + count - 1}, hot fraction '
          f'{hot_fraction}; MILP optimal on {solved} '
          f'(median MILP time {statistics.median(milp_seconds):.2f} s)')
    head = ('strategy', 'cured as opt', 'missed', 'data/opt mean',
            'data/opt max', 'moves/opt mean', 'moves/opt max', 'new hot',
            'AA breaks', 'mis-migr.', 'invalid', 'plan ms mean')
    lines = [head]
    for name, rs in rows.items():
        if not rs:
            continue
        finite = [r for r in rs if r[0] == 0]

        def ratio(i, fn, rows=finite):
            vals = [r[i] for r in rows]
            return f'{fn(vals):.3f}' if vals else '-'
        lines.append((
            name, f'{len(finite)}/{len(rs)}', str(sum(r[0] for r in rs)),
            ratio(1, statistics.fmean), ratio(1, max),
            ratio(2, statistics.fmean), ratio(2, max),
            str(sum(r[3] for r in rs)), str(sum(r[4] for r in rs)),
            str(sum(r[5] for r in rs)), str(sum(r[6] for r in rs)),
            f'{1000 * statistics.fmean(r[7] for r in rs):.1f}'))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        print('  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(line, widths))))
    print('(cured as opt: clusters where the strategy cures every host the '
          'MILP cures; missed: hosts the MILP cures and the strategy leaves '
          'hot; ratios over the "cured as opt" clusters)')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, nargs='+',
                        default=[100, 1000, 10000])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--hot-fraction', type=float, default=0.05)
    parser.add_argument('--servers-per-host', type=int, default=20)
    parser.add_argument('--strategy', action='append', dest='strategies',
                        help='strategy to run (repeatable; default: all '
                             'registered)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='plan this many times, report the fastest')
    parser.add_argument('--quality', type=int, metavar='N', default=0,
                        help='compare against the exact MILP on N clusters')
    parser.add_argument('--quality-hosts', type=int, nargs='+',
                        default=[20, 50, 100])
    parser.add_argument('--milp-time-limit', type=float, default=60.0)
    parser.add_argument('--cure-option', action='append', default=[],
                        metavar='NAME=VALUE',
                        help='an option of strategy cure in the quality run, '
                             'e.g. source_margin=0 (repeatable)')
    args = parser.parse_args(argv)
    if args.quality:
        try:
            options = [strategy_options.parse_assignment(o)
                       for o in args.cure_option]
        except ValueError as exc:
            parser.error(f'--cure-option: {exc}')
        quality_run(args.quality, args.quality_hosts, args.seed,
                    args.hot_fraction, args.servers_per_host,
                    args.strategies, args.milp_time_limit, options)
    else:
        scale_run(args.hosts, args.seed, args.hot_fraction,
                  args.servers_per_host, args.strategies, args.repeat)
    return 0


if __name__ == '__main__':
    sys.exit(main())
