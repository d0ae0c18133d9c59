"""Small builders so that test cases read as clusters.

They build snapshot JSON (plain dicts, the documented format), which tests
turn into a Cluster through the real loader.
"""

from nova_hotspot.core import snapshot


def host(name, cpu=100, mem=1000, cpu_th=0.8, mem_th=0.8, **extra):
    """A host of ``cpu`` vCPUs and ``mem`` MB with its thresholds."""
    return dict(name=name, vcpus=cpu, memory_mb=mem, cpu_threshold=cpu_th,
                mem_threshold=mem_th, **extra)


def vm(id, on, cpu=0, mem=0, role=None, group=None, data=1000, **extra):
    """A server on host ``on`` using ``cpu`` vCPUs and ``mem`` MB."""
    return dict(id=id, host=on, vcpus=max(cpu, 1), memory_mb=max(mem, 1),
                cpu=cpu, mem=mem, data_mb=data, role=role, group=group,
                **extra)


def master(id, on, cpu=0, mem=0, group=None, **extra):
    return vm(id, on, cpu, mem, role='master', group=group or f'g-{id}',
              **extra)


def slave(id, on, of, cpu=0, mem=0, **extra):
    """A slave of the business whose master is ``of`` (group g-<of>)."""
    return vm(id, on, cpu, mem, role='slave', group=f'g-{of}', **extra)


def cluster(hosts, servers):
    return snapshot.from_dict({'hosts': hosts, 'servers': servers})


def moves(plan):
    """A plan's migrations as (server, source, target) tuples, in order."""
    return [(m.server, m.source, m.target) for m in plan.migrations]
