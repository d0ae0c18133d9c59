"""Strategy ``paper``: section 2.3 of "A hotspot migration strategy for
cloud resource scheduling", exactly as written (see doc/strategies.md).

1. Take hosts in snapshot order; host i is a hotspot when memCap_i < 0 or
   cpuCap_i < 0 (cap = threshold x capacity - summed use).
2. Every other host j with memCap_j > 0 and cpuCap_j > 0 is a candidate
   target; diff_x = cap_x(i) - cap_x(j).
3. Every master t on i whose group has no member on j, with
   t.mem + memCap_i > 0 and t.cpu + cpuCap_i > 0 (moving t alone cures i)
   and memCap_j - t.mem > 0 and cpuCap_j - t.cpu > 0 (j stays under both
   thresholds) is scored
   c = [C_mem*t.mem*(diff_mem + t.mem) + C_cpu*t.cpu*(diff_cpu + t.cpu)]
       / t.datasize,   C_x = 1 / mu_x^2, mu_x the mean cap over all hosts.
4. The smallest c over all (t, j) is moved, both hosts' usage updated, and
   the scan starts again at the first host.

Ties keep the first candidate found, scanning targets j in snapshot order
and, for each j, the masters on i in snapshot order: the first target wins,
then the first server. Since mu_x does not change when a server moves, the
weights are computed once.

This is the straightforward implementation, kept here in the tests as the
oracle: the registered ``paper`` plugin is strategies/paper_fast.py, which
must return exactly the same plans (tests/unit/test_paper_fast.py). The
scoring both use is strategies/paper_score.py; the scores themselves are
checked against the literal transcription tests/unit/paper_as_written.py.

Beyond the paper: only servers that may move (ACTIVE, not pinned) are
considered, and disabled hosts are never targets. Snapshots in the plain
format have neither, so on them this is the paper's algorithm unchanged.
"""

from nova_hotspot.core import load
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.strategies import base
from nova_hotspot.strategies import paper_score


class PaperStrategy(base.Strategy):
    """The paper's algorithm: one cost-ranked master move per hotspot."""

    name = 'paper'

    def plan(self, cluster, sources=None):
        state = load.LoadState(cluster)
        c_cpu, c_mem = paper_score.resource_weights(state)
        acting = base.actionable(cluster, sources)
        migrations = []
        while True:
            for hi in range(len(cluster.hosts)):
                if not state.is_hot(hi) or not acting[hi]:
                    continue
                state.track_groups_of([hi])
                best = paper_score.best_move(state, hi, c_cpu, c_mem)
                if best is not None:
                    migrations.append(paper_score.migration(state, hi,
                                                            *best))
                    break
            else:
                break
        unresolved = tuple(
            plan_mod.Unresolved(cluster.hosts[hi].name,
                                paper_score.why_stuck(state, hi)
                                if acting[hi] else base.NOT_A_SOURCE)
            for hi in range(len(cluster.hosts)) if state.is_hot(hi))
        return plan_mod.Plan(self.name, tuple(migrations), unresolved)
