"""The one plan validator: checks any plan against a snapshot.

Every plan goes through it before anything moves. It replays the moves in
order on the snapshot and reports every rule a move breaks: unknown ids, a
server moved twice or from a host it is not on, a server that may not move,
a target that is the source or disabled, a target pushed over a threshold,
and an anti-affinity break (the target holds another member of the server's
group).
"""

import dataclasses

from nova_hotspot.core import model


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
    state = model.LoadState(cluster)
    violations = []
    moved = set()

    def broken(index, server_id, message):
        violations.append(Violation(index, server_id, message))

    for index, migration in enumerate(plan.migrations):
        sid = migration.server
        si = cluster.server_index(sid)
        source = cluster.host_index(migration.source)
        target = cluster.host_index(migration.target)
        if si is None:
            broken(index, sid, 'unknown server')
            continue
        if source is None:
            broken(index, sid, f'unknown source host {migration.source!r}')
            continue
        if target is None:
            broken(index, sid, f'unknown target host {migration.target!r}')
            continue
        if sid in moved:
            broken(index, sid, 'server moved twice')
            continue
        moved.add(sid)
        server = cluster.servers[si]
        if state.location[si] != source:
            where = cluster.hosts[state.location[si]].name
            broken(index, sid, f'server is on {where!r}, not on source '
                               f'{migration.source!r}')
            continue
        if not server.movable:
            why = 'pinned' if server.pinned else f'status {server.status}'
            broken(index, sid, f'server may not move ({why})')
        if target == source:
            broken(index, sid, 'target is the source')
            continue
        if not cluster.hosts[target].enabled:
            broken(index, sid, f'target {migration.target!r} is disabled')
        if state.group_has_member_on(server.group, target):
            broken(index, sid, f'anti-affinity: target {migration.target!r} '
                               f'holds a member of group {server.group!r}')
        state.move(si, target)
        over = []
        if state.cpu_cap(target) < 0:
            over.append('CPU')
        if state.mem_cap(target) < 0:
            over.append('memory')
        if over:
            broken(index, sid, f'target {migration.target!r} pushed over its '
                               f'{" and ".join(over)} threshold')
    return violations
