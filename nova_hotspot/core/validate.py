"""The one plan validator: checks any plan against a snapshot.

Every plan goes through it before anything moves. It replays the moves in
order on the snapshot and reports every rule a move breaks: unknown ids, a
server moved twice or from a host it is not on, a server that may not move,
a target that is the source or disabled, a target pushed over a threshold,
and an anti-affinity break (the target holds another member of the server's
group).
"""

import dataclasses

from nova_hotspot.core import load


@dataclasses.dataclass(frozen=True, slots=True)
class Violation:
    """A rule broken by the move at ``index`` of the plan."""

    index: int
    server: str
    message: str

    def __str__(self):
        return f"migration {self.index} (server {self.server!r}): " \
               f"{self.message}"


def validate_plan(cluster, plan):
    """Return the list of Violations of ``plan`` on ``cluster`` (empty when
    the plan is valid)."""
    violations = []

    def broken(step, message):
        violations.append(Violation(step.index, step.migration.server,
                                    message))

    def before(step, state):
        if step.problem is not None and step.problem != load.SAME_HOST:
            broken(step, step.problem)
            return
        server = cluster.servers[step.server]
        name = step.migration.target
        if not server.movable:
            why = 'pinned' if server.pinned else f'status {server.status}'
            broken(step, f'server may not move ({why})')
        if step.problem is not None:
            broken(step, step.problem)
            return
        if not cluster.hosts[step.target].enabled:
            broken(step, f'target {name!r} is disabled')
        if state.group_has_member_on(server.group, step.target):
            broken(step, f'anti-affinity: target {name!r} holds a member '
                         f'of group {server.group!r}')

    def after(step, state):
        over = []
        if state.cpu_over(step.target):
            over.append('CPU')
        if state.mem_over(step.target):
            over.append('memory')
        if over:
            broken(step, f'target {step.migration.target!r} pushed over its '
                         f'{" and ".join(over)} threshold')

    load.replay(cluster, plan, before, after)
    return violations
