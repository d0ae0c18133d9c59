"""Seeded multi-cycle simulation: how often do cured hosts turn hot again?

    python -m benchmarks.simulate --hosts 200 --cycles 50 --seeds 1 2 3 \
        --margins 0 0.02 0.05 0.1

A generated cluster (benchmarks/generate.py) gives every server its mean
use. Each cycle, every server's use drifts around that mean (a
mean-reverting random walk of its own, CPU and memory apart) and now and
then spikes (CPU only, for one cycle), never above its flavor. The agent's
pure parts then run as in a cycle: detection, ``core.history.HotHistory``
(k of n), the planner (strategy ``cure`` with the given ``source_margin``),
the validator; the plan's moves are applied to the placement (as if every
live migration succeeded; the actuator's per-cycle and per-host limits are
left out) and every moved server is in cooldown (not moved again) for
``cooldown`` cycles. Nothing talks to a cloud.

Reported per margin, summed over the seeds: cures (a host the plan moved
servers off and did not leave hot), re-hot (cures whose host is hot again
within ``window`` cycles), servers moved twice or more, moves, data moved,
and hot host-cycles (how many (host, cycle) pairs were hot).
"""

import argparse
import collections
import dataclasses
import random
import sys

from benchmarks import generate
from nova_hotspot.core import detect
from nova_hotspot.core import history as history_mod
from nova_hotspot.core import model
from nova_hotspot.core import validate
from nova_hotspot.strategies import cure


@dataclasses.dataclass(frozen=True)
class Noise:
    """How use moves around its mean each cycle (fractions of the mean)."""

    revert: float = 0.8       # share of the drift kept from cycle to cycle
    cpu_drift: float = 0.06   # sd of the CPU drift's step
    mem_drift: float = 0.02   # sd of the memory drift's step
    spike_chance: float = 0.02   # per server and cycle
    spike_low: float = 1.3    # a spike multiplies CPU use by U(low, high)
    spike_high: float = 2.0


@dataclasses.dataclass(frozen=True)
class Result:
    margin: float
    cures: int
    rehot: int
    moved_twice: int
    moves: int
    data_gb: float
    hot_host_cycles: int
    invalid_plans: int


def simulate(margin, hosts=200, servers_per_host=16, hot_fraction=0.05,
             seed=1, cycles=50, k=2, n=3, cooldown=6, window=5,
             noise=Noise()):
    """One seeded run; the same arguments always give the same Result."""
    base = generate.generate(hosts, servers_per_host, hot_fraction, seed)
    rng = random.Random(seed * 7919 + 17)
    strategy = cure.CureStrategy(source_margin=margin)
    history = history_mod.HotHistory(k, n)
    where = {s.id: s.host for s in base.servers}
    drift = {s.id: [0.0, 0.0] for s in base.servers}
    cool_until = {}            # server id -> first cycle it may move again
    moved = collections.Counter()
    cured_at = {}              # host -> cycle of its last cure
    cures = rehot = moves = hot_host_cycles = invalid = 0
    data = 0.0
    for cycle in range(cycles):
        servers = []
        for s in base.servers:
            d = drift[s.id]
            d[0] = noise.revert * d[0] + rng.gauss(0.0, noise.cpu_drift)
            d[1] = noise.revert * d[1] + rng.gauss(0.0, noise.mem_drift)
            cpu = s.cpu * max(0.0, 1.0 + d[0])
            if rng.random() < noise.spike_chance:
                cpu *= rng.uniform(noise.spike_low, noise.spike_high)
            mem = s.mem * max(0.0, 1.0 + d[1])
            servers.append(dataclasses.replace(
                s, host=where[s.id], cpu=min(cpu, s.vcpus),
                mem=min(mem, s.memory_mb),
                pinned=s.pinned or cool_until.get(s.id, 0) > cycle))
        cluster = model.Cluster(base.hosts, servers)
        hot = [h.host for h in detect.detect(cluster)]
        hot_host_cycles += len(hot)
        for name in hot:
            if name in cured_at and cycle - cured_at.pop(name) <= window:
                rehot += 1
        history.record_hot(hot)
        sources = history.persistent(hot) if k > 1 else None
        if not hot:
            continue
        plan = strategy.plan(cluster, sources=sources)
        if validate.validate_plan(cluster, plan):
            invalid += 1
            continue
        left = {u.host for u in plan.unresolved}
        for m in plan.migrations:
            where[m.server] = m.target
            cool_until[m.server] = cycle + 1 + cooldown
            moved[m.server] += 1
            data += cluster.server(m.server).data_mb
            moves += 1
        for name in {m.source for m in plan.migrations} - left:
            cures += 1
            cured_at[name] = cycle
    return Result(margin, cures, rehot,
                  sum(1 for c in moved.values() if c >= 2), moves,
                  data / 1024, hot_host_cycles, invalid)


def total(results):
    """Results of several seeds summed into one."""
    first = results[0]
    return Result(first.margin, *(sum(getattr(r, f.name) for r in results)
                                  for f in dataclasses.fields(Result)[1:]))


HEAD = ('source_margin', 'cures', 're-hot', 're-hot %', 'moved twice',
        'moves', 'data GB', 'hot host-cycles', 'invalid')


def rows(results):
    out = [HEAD]
    for r in results:
        out.append((f'{r.margin:g}', str(r.cures), str(r.rehot),
                    f'{100 * r.rehot / r.cures:.1f}' if r.cures else '-',
                    str(r.moved_twice), str(r.moves), f'{r.data_gb:.1f}',
                    str(r.hot_host_cycles), str(r.invalid_plans)))
    widths = [max(len(row[i]) for row in out) for i in range(len(HEAD))]
    return ['  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(row, widths)))
            for row in out]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, default=200)
    parser.add_argument('--servers-per-host', type=int, default=16)
    parser.add_argument('--hot-fraction', type=float, default=0.05)
    parser.add_argument('--cycles', type=int, default=50)
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument('--margins', type=float, nargs='+',
                        default=[0.0, 0.02, 0.05, 0.1])
    parser.add_argument('--k', type=int, default=2)
    parser.add_argument('--n', type=int, default=3)
    parser.add_argument('--cooldown', type=int, default=6,
                        help='cycles a moved server is not moved again '
                             '(default 6: 1800 s at a 300 s interval)')
    parser.add_argument('--window', type=int, default=5,
                        help='a cured host hot again within this many '
                             'cycles counts as re-hot')
    args = parser.parse_args(argv)
    print(f'## {args.hosts} hosts, ~{args.servers_per_host} servers/host, '
          f'hot fraction {args.hot_fraction}, {args.cycles} cycles, '
          f'{args.k}-of-{args.n}, cooldown {args.cooldown} cycles, re-hot '
          f'window {args.window} cycles, seeds '
          f'{" ".join(map(str, args.seeds))} (summed)')
    results = [total([simulate(margin, args.hosts, args.servers_per_host,
                               args.hot_fraction, seed, args.cycles, args.k,
                               args.n, args.cooldown, args.window)
                      for seed in args.seeds])
               for margin in args.margins]
    print('\n'.join(rows(results)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
