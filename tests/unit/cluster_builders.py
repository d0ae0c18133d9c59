"""Clusters for the strategy tests: a table that reads as a cluster, and a
hypothesis strategy for random small clusters.

A table line is a host, its CPU/memory capacity, optional flags, then its
servers after ``|``::

    h1  10/100          | a 6/10/5 master@g1, b 3/10/1, c 0/60/1
    h2  10/100 disabled | d 2/10/1 slave@g1 pinned

A server is ``id cpu/mem/data`` then optionally ``role@group`` (role
master, slave or none) and ``pinned`` or ``shutoff``. Thresholds are 1.0
unless the host says ``th=0.8`` (both resources), so a host is hot when its
servers' sum passes its capacity.
"""

import os
import sys

from hypothesis import strategies as st

from nova_hotspot.core import model

# The benchmarks package (generator, MILP) lives at the repository root.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

ROLES = {'master': model.Role.MASTER, 'slave': model.Role.SLAVE,
         'none': None}


def table_cluster(text):
    hosts, servers = [], []
    for line in text.strip().splitlines():
        line = line.split('#')[0].strip()
        if not line:
            continue
        head, _, tail = line.partition('|')
        words = head.split()
        name, capacity = words[0], words[1]
        vcpus, memory_mb = (float(x) for x in capacity.split('/'))
        threshold = 1.0
        enabled = True
        for flag in words[2:]:
            if flag == 'disabled':
                enabled = False
            elif flag.startswith('th='):
                threshold = float(flag[3:])
            else:
                raise ValueError(f'unknown host flag {flag!r}')
        hosts.append(model.Host(name, vcpus, memory_mb, threshold,
                                threshold, enabled))
        for spec in filter(None, (s.strip() for s in tail.split(','))):
            words = spec.split()
            cpu, mem, data = (float(x) for x in words[1].split('/'))
            role = group = None
            pinned, status = False, model.ACTIVE
            for word in words[2:]:
                if '@' in word:
                    role_name, group = word.split('@')
                    role = ROLES[role_name]
                elif word == 'pinned':
                    pinned = True
                elif word == 'shutoff':
                    status = 'SHUTOFF'
                else:
                    raise ValueError(f'unknown server word {word!r}')
            servers.append(model.Server(
                id=words[0], host=name, vcpus=cpu, memory_mb=mem, cpu=cpu,
                mem=mem, data_mb=data, role=role, group=group,
                status=status, pinned=pinned))
    return model.Cluster(hosts, servers)


@st.composite
def clusters(draw, max_hosts=7, max_servers=28):
    """Small clusters with small integer loads, so that ties, exact fits
    and group clashes are common."""
    n_hosts = draw(st.integers(1, max_hosts))
    hosts = [model.Host(f'h{i}', draw(st.sampled_from((10.0, 16.0, 20.0))),
                        draw(st.sampled_from((64.0, 100.0))),
                        draw(st.sampled_from((0.5, 0.8, 1.0))),
                        draw(st.sampled_from((0.5, 0.8, 1.0))),
                        draw(st.booleans()) or draw(st.booleans()))
             for i in range(n_hosts)]
    servers = []
    for k in range(draw(st.integers(0, max_servers))):
        group = draw(st.sampled_from((None, 'g0', 'g1', 'g2', 'g3')))
        role = draw(st.sampled_from((model.Role.MASTER, model.Role.SLAVE))) \
            if group else draw(st.sampled_from((None, model.Role.MASTER)))
        servers.append(model.Server(
            id=f's{k}', host=f'h{draw(st.integers(0, n_hosts - 1))}',
            vcpus=4.0, memory_mb=32.0,
            cpu=float(draw(st.integers(0, 9))),
            mem=float(draw(st.integers(0, 40))),
            data_mb=float(draw(st.integers(1, 6))),
            role=role, group=group,
            status=draw(st.sampled_from((model.ACTIVE,) * 9 + ('SHUTOFF',))),
            pinned=draw(st.integers(0, 9)) == 0))
    return model.Cluster(hosts, servers)
