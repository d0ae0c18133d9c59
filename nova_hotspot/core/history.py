"""Detection over time: act on a host only when it was hot in k of the last
n samples (Sandpiper's rule against one-sample spikes).

Pure and small: the agent records each sample it takes and asks which hosts
are persistently hot; it passes that set to ``Strategy.plan(cluster,
sources=...)``. The agent persists ``samples()`` (agent/state.py,
``[hotspot] state_path``) so a restart keeps the history; without it, with
k > 1 no host is acted on until it has been seen hot k times again.
k = n = 1 acts on every hot host of the latest sample, as the paper does.
"""

import collections

from nova_hotspot import exceptions
from nova_hotspot.core import detect


class HotHistory:
    """The hot host names of the last ``n`` samples."""

    def __init__(self, k=1, n=1):
        for option, value in (('k', k), ('n', n)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise exceptions.ConfigError(
                    f'hot history: option {option} must be an integer >= 1,'
                    f' got {value!r}')
        if k > n:
            raise exceptions.ConfigError(
                f'hot history: option k ({k}) must not exceed n ({n})')
        self.k = k
        self.n = n
        self._samples = collections.deque(maxlen=n)

    def __len__(self):
        """How many samples are held (at most n)."""
        return len(self._samples)

    def samples(self):
        """The samples held, oldest first (frozensets of host names)."""
        return list(self._samples)

    def record(self, cluster):
        """Add a sample: the hosts hot in ``cluster`` (a Cluster)."""
        self.record_hot(h.host for h in detect.detect(cluster))

    def record_hot(self, hostnames):
        """Add a sample given as the names of its hot hosts."""
        self._samples.append(frozenset(hostnames))

    def reset(self, samples):
        """Hold ``samples`` (oldest first) instead of the samples held,
        e.g. the history another agent saved."""
        self._samples.clear()
        for sample in samples:
            self.record_hot(sample)

    def persistent(self, hostnames=None):
        """The hosts hot in at least k of the samples held, limited to
        ``hostnames`` when given (e.g. the hosts hot right now)."""
        counts = collections.Counter()
        for sample in self._samples:
            counts.update(sample)
        hot = {name for name, count in counts.items() if count >= self.k}
        if hostnames is not None:
            hot &= set(hostnames)
        return frozenset(hot)
