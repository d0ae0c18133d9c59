"""Seeded generator of realistic cluster snapshots (the snapshot JSON format).

    python -m benchmarks.generate --hosts 100 --hot-fraction 0.05 --seed 1 \
        --out /tmp/c100.json

What "realistic" means here:

* heterogeneous hosts: a few hardware generations with different vCPU and
  memory sizes, thresholds between 0.75 and 0.9, a few hosts disabled;
* servers from a flavor list (general, CPU-heavy and memory-heavy flavors),
  each using a random share of its flavor, a few idle (0 CPU);
* businesses: anti-affinity groups of 2-4 members, exactly one master, the
  members on distinct hosts; the rest of the servers ungrouped;
* a few servers that may not move (SHUTOFF, or pinned by the operator);
* a chosen fraction of hosts hot in CPU, memory or both, by 1-15 % of the
  limit; every other host filled to 35-75 % of its limits.

The same arguments and seed always give the same snapshot.
"""

import argparse
import dataclasses
import json
import random
import sys

from nova_hotspot.core import model
from nova_hotspot.core import snapshot


@dataclasses.dataclass(frozen=True)
class HostType:
    vcpus: int
    memory_mb: int
    weight: float   # how common this generation is


@dataclasses.dataclass(frozen=True)
class Flavor:
    name: str
    vcpus: int
    memory_mb: int
    weight: float


HOST_TYPES = (
    HostType(32, 131072, 0.3),
    HostType(48, 262144, 0.35),
    HostType(64, 393216, 0.25),
    HostType(96, 786432, 0.1),
)

FLAVORS = (
    Flavor('m1.small', 1, 2048, 0.2),
    Flavor('m1.medium', 2, 4096, 0.25),
    Flavor('m1.large', 4, 8192, 0.2),
    Flavor('m1.xlarge', 8, 16384, 0.1),
    Flavor('c1.large', 8, 8192, 0.1),      # CPU-heavy
    Flavor('r1.large', 2, 16384, 0.1),     # memory-heavy
    Flavor('r1.xlarge', 4, 32768, 0.05),
)

HOT_KINDS = ('cpu', 'mem', 'both')


def _pick(rng, items):
    return rng.choices(items, weights=[i.weight for i in items])[0]


class _HostPlan:
    """A host being filled towards its target use (absolute units)."""

    def __init__(self, host, cpu_target, mem_target, hot):
        self.host = host
        self.cpu_target = cpu_target
        self.mem_target = mem_target
        self.hot = hot
        self.cpu = 0.0
        self.mem = 0.0


def generate(hosts=100, servers_per_host=20, hot_fraction=0.05, seed=0,
             group_fraction=0.7, disabled_fraction=0.01,
             immovable_fraction=0.02):
    """A ``model.Cluster`` built from the seed; see the module docstring.

    ``servers_per_host`` is only the rough mean: hosts are filled to their
    target use, so bigger hosts get more servers.
    """
    rng = random.Random(seed)
    n_hot = round(hosts * hot_fraction)
    hot_positions = set(rng.sample(range(hosts), n_hot))
    plans = []
    for i in range(hosts):
        htype = _pick(rng, HOST_TYPES)
        host = model.Host(
            name=f'cmp{i:05d}', vcpus=float(htype.vcpus),
            memory_mb=float(htype.memory_mb),
            cpu_threshold=rng.choice((0.75, 0.8, 0.8, 0.85, 0.9)),
            mem_threshold=rng.choice((0.8, 0.85, 0.85, 0.9)),
            enabled=i in hot_positions or rng.random() >= disabled_fraction)
        cool = (rng.uniform(0.35, 0.75), rng.uniform(0.35, 0.75))
        if i in hot_positions:
            kind = rng.choice(HOT_KINDS)
            over = (rng.uniform(1.01, 1.15), rng.uniform(1.01, 1.15))
            cpu_f = over[0] if kind in ('cpu', 'both') else cool[0]
            mem_f = over[1] if kind in ('mem', 'both') else cool[1]
        else:
            kind = None
            cpu_f, mem_f = cool
        plans.append(_HostPlan(host, cpu_f * host.cpu_limit,
                               mem_f * host.mem_limit, kind is not None))

    # Scale flavors to the hosts so that a host holds ~servers_per_host
    # servers: the mean flavor uses ~1/servers_per_host of a mean host.
    mean_host_mem = sum(t.memory_mb * t.weight for t in HOST_TYPES) / sum(
        t.weight for t in HOST_TYPES)
    mean_flavor_mem = sum(f.memory_mb * f.weight for f in FLAVORS) / sum(
        f.weight for f in FLAVORS)
    scale = max(1.0, 0.55 * mean_host_mem / servers_per_host
                / (mean_flavor_mem * 0.65))

    servers = []
    for hp in plans:
        _fill(rng, hp, scale, servers)

    _make_groups(rng, servers, group_fraction)
    for i, s in enumerate(servers):
        if rng.random() < immovable_fraction:
            if rng.random() < 0.5:
                servers[i] = dataclasses.replace(s, status='SHUTOFF', cpu=0.0)
            else:
                servers[i] = dataclasses.replace(s, pinned=True)
    # The SHUTOFF change lowered CPU; re-heat nothing, but keep the snapshot
    # ordered by host like a real listing.
    servers.sort(key=lambda s: (s.host, s.id))
    return model.Cluster([hp.host for hp in plans], servers)


def _fill(rng, hp, scale, servers):
    """Add servers to ``hp`` until both resources reach their targets,
    never letting a cool host cross a limit."""
    host = hp.host
    while hp.cpu < hp.cpu_target or hp.mem < hp.mem_target:
        flavor = _pick(rng, FLAVORS)
        vcpus = flavor.vcpus * scale
        memory_mb = flavor.memory_mb * scale
        cpu_short = hp.cpu < hp.cpu_target
        mem_short = hp.mem < hp.mem_target
        # Steer: a resource already at target gets a light user.
        if rng.random() < 0.05:
            cpu = 0.0                                     # an idle server
        elif cpu_short:
            cpu = vcpus * rng.uniform(0.3, 1.0)
        else:
            cpu = vcpus * rng.uniform(0.0, 0.15)
        mem = memory_mb * (rng.uniform(0.5, 0.95) if mem_short
                           else rng.uniform(0.05, 0.2))
        if not hp.hot and (hp.cpu + cpu > 0.95 * host.cpu_limit
                           or hp.mem + mem > 0.95 * host.mem_limit):
            break
        if hp.hot and len(servers) and (
                hp.cpu + cpu > 1.4 * host.cpu_limit
                or hp.mem + mem > 1.4 * host.mem_limit):
            # Keep hotspots curable: try a smaller server.
            cpu *= 0.3
            mem *= 0.3
        # A live migration copies the memory in use plus what is dirtied
        # meanwhile (busier servers dirty more).
        data_mb = max(1.0, round(mem * rng.uniform(1.0, 1.3)
                                 + 64 * cpu * rng.random(), 1))
        servers.append(model.Server(
            id=f'{host.name}-vm{len(servers):06d}', host=host.name,
            vcpus=round(vcpus, 3), memory_mb=round(memory_mb, 1),
            cpu=round(cpu, 3), mem=round(mem, 1), data_mb=data_mb,
            name=flavor.name))
        hp.cpu += round(cpu, 3)
        hp.mem += round(mem, 1)


def _make_groups(rng, servers, group_fraction):
    """Tie ``group_fraction`` of the servers into businesses of 2-4 members
    on distinct hosts, one master each."""
    order = list(range(len(servers)))
    rng.shuffle(order)
    pool = order[:int(len(order) * group_fraction)]
    group_no = 0
    while len(pool) >= 2:
        size = rng.randint(2, 4)
        members, hosts, skipped = [], set(), []
        while pool and len(members) < size:
            si = pool.pop()
            if servers[si].host in hosts:
                skipped.append(si)
                if len(skipped) > 20:
                    break
                continue
            members.append(si)
            hosts.add(servers[si].host)
        pool.extend(skipped)
        if len(members) < 2:
            break
        master = rng.choice(members)
        name = f'biz{group_no:06d}'
        group_no += 1
        for si in members:
            servers[si] = dataclasses.replace(
                servers[si], group=name,
                role=model.Role.MASTER if si == master else model.Role.SLAVE)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, default=100)
    parser.add_argument('--servers-per-host', type=int, default=20)
    parser.add_argument('--hot-fraction', type=float, default=0.05)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out', default='-',
                        help='output file (default: standard output)')
    args = parser.parse_args(argv)
    cluster = generate(args.hosts, args.servers_per_host, args.hot_fraction,
                       args.seed)
    text = json.dumps(snapshot.to_dict(cluster))
    if args.out == '-':
        sys.stdout.write(text + '\n')
    else:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
