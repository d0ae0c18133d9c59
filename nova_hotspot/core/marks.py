"""The agent's verdict as marks for the scheduler: which hotspot traits
each host's resource provider should carry in Placement.

Pure (no I/O; only the standard library at import, since nova-scheduler
imports it for the trait names): the agent records each sample (the hosts
hot now and by which resource), and asks which traits every host should
carry; the cloud edge (cloud/traits.py) makes Placement say so, the
scheduler plugins (nova_hotspot/scheduler/) read it.

The traits (names fixed: Nova's filter, flavors and operators use them):

- ``CUSTOM_HOTSPOT_CPU``: the host's CPU use was over its limit
  (``cpu_threshold`` x vCPUs) in at least k of the last n samples;
- ``CUSTOM_HOTSPOT_MEM``: the same for memory;
- ``CUSTOM_HOTSPOT_NEAR``: the host carries neither, but in the latest
  sample the use of one resource reached ``near_fraction`` of its limit
  (this includes a host over its limit for fewer than k samples). Only
  the weigher reads it: such a host is still a valid target, a less
  preferred one.

A mark is held while the rule holds, so with k < n a host stays marked for
up to n - k samples after it cooled (the same window that decides when it
is hot: it damps ping-pong right after a cure, when the host's remaining
servers are still busy).
"""

import dataclasses

from nova_hotspot import exceptions
from nova_hotspot.core import model

CPU_TRAIT = 'CUSTOM_HOTSPOT_CPU'
MEM_TRAIT = 'CUSTOM_HOTSPOT_MEM'
NEAR_TRAIT = 'CUSTOM_HOTSPOT_NEAR'
#: The traits of a host that is hot: the filter refuses a host with any.
HOT_TRAITS = (CPU_TRAIT, MEM_TRAIT)
#: Every trait the agent owns: the only ones it ever adds or removes.
OWNED_TRAITS = (CPU_TRAIT, MEM_TRAIT, NEAR_TRAIT)

TRAIT_OF = {model.Resource.CPU: CPU_TRAIT, model.Resource.MEM: MEM_TRAIT}


@dataclasses.dataclass(frozen=True, slots=True)
class HostUse:
    """One host's use and limit of each resource in one sample."""

    cpu_used: float
    cpu_limit: float
    mem_used: float
    mem_limit: float

    def hot(self):
        """The resources over their limit (like core.detect)."""
        return frozenset(
            r for r, used, limit in (
                (model.Resource.CPU, self.cpu_used, self.cpu_limit),
                (model.Resource.MEM, self.mem_used, self.mem_limit))
            if used > limit)

    def near(self, fraction):
        """True when the use of a resource reached ``fraction`` of its
        limit (a resource without any limit is never near)."""
        return any(limit > 0 and used >= fraction * limit
                   for used, limit in ((self.cpu_used, self.cpu_limit),
                                       (self.mem_used, self.mem_limit)))


def uses(cluster):
    """host name -> HostUse of a Cluster (its servers' summed use, in
    snapshot order as core.load sums it)."""
    cpu = dict.fromkeys((h.name for h in cluster.hosts), 0.0)
    mem = dict(cpu)
    for server in cluster.servers:
        cpu[server.host] += server.cpu
        mem[server.host] += server.mem
    return {h.name: HostUse(cpu[h.name], h.cpu_limit, mem[h.name],
                            h.mem_limit) for h in cluster.hosts}


class ResourceHistory:
    """The hot (host, resource) pairs of the last ``n`` samples: k of n
    judged per resource, as the traits are (a HotHistory whose names are
    the pairs)."""

    def __init__(self, k=1, n=1):
        # Imported here: core.history pulls core.detect and core.load
        # (numpy), and nova-scheduler imports this module for the trait
        # names (nova_hotspot/scheduler/ must not bring numpy in).
        from nova_hotspot.core import history
        self._pairs = history.HotHistory(k, n)
        self.k, self.n = k, n

    def __len__(self):
        return len(self._pairs)

    def record(self, hot):
        """Add a sample: ``hot`` maps host name -> the resources
        (model.Resource) it is over its limit in; hosts left out are
        cool."""
        self._pairs.record_hot((host, resource)
                               for host, resources in hot.items()
                               for resource in resources)

    def persistent(self):
        """host name -> frozenset of the resources hot in at least k of
        the samples held (hosts with none left out)."""
        result = {}
        for host, resource in self._pairs.persistent():
            result.setdefault(host, set()).add(resource)
        return {host: frozenset(r) for host, r in result.items()}


def check_near_fraction(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not 0 < value <= 1:
        raise exceptions.ConfigError(
            f'near_fraction must be a number in (0, 1], got {value!r}')
    return float(value)


def verdict(latest, history, near_fraction=0.9):
    """host name -> frozenset of the traits it should carry, for every
    host of ``latest`` (host name -> HostUse, the sample just recorded in
    ``history``); an empty set means: carries none of OWNED_TRAITS."""
    near_fraction = check_near_fraction(near_fraction)
    persistent = history.persistent()
    marks = {}
    for host, use in latest.items():
        traits = {TRAIT_OF[r] for r in persistent.get(host, ())}
        if not traits and use.near(near_fraction):
            traits.add(NEAR_TRAIT)
        marks[host] = frozenset(traits)
    return marks


class Marker:
    """What the agent keeps across cycles: the per-resource history.

    ``sample(cluster)`` records the cluster's hot resources and returns
    the verdict for its hosts.
    """

    def __init__(self, k=1, n=1, near_fraction=0.9):
        self.history = ResourceHistory(k, n)
        self.near_fraction = check_near_fraction(near_fraction)

    def resize(self, k, n):
        """A new window (options reloaded) starts a new history."""
        if (k, n) != (self.history.k, self.history.n):
            self.history = ResourceHistory(k, n)

    def sample(self, cluster):
        latest = uses(cluster)
        self.history.record({host: use.hot() for host, use in latest.items()})
        return verdict(latest, self.history, self.near_fraction)


def changes(current, desired, owned=OWNED_TRAITS):
    """provider -> (traits to add, traits to remove), both frozensets, for
    the providers that differ: ``current`` maps a provider to the traits
    of ``owned`` it carries now (providers carrying none may be left
    out), ``desired`` maps a provider to the traits it should carry; a
    provider absent from ``desired`` should carry none of ``owned``.
    Traits outside ``owned`` are never named (they are not ours)."""
    owned = frozenset(owned)
    result = {}
    for provider in set(current) | set(desired):
        now = frozenset(current.get(provider, ())) & owned
        want = frozenset(desired.get(provider, ())) & owned
        if now != want:
            result[provider] = (want - now, now - want)
    return result
