"""The fresh re-check before each move (pure): the one validator on a
small fresh cluster built by the collector's own builder.

``recheck`` returns None when the move may still be made, else one line
saying why not. The decision is ``core.validate.validate_plan``'s on the
one-move plan; the line names the fact behind it (server gone, moved, not
ACTIVE, pinned, target not receiving, a group member on the target, the
target's load), in that order, falling back to the validator's words.
"""

import dataclasses

from nova_hotspot.collect import build
from nova_hotspot.core import detect
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.core import validate
from nova_hotspot.core import words


def recheck(collection, migration, server, on_target, members,
            target_services, incoming=()):
    """Why ``migration`` may no longer be made, or None; the arguments
    are those of ``collect.build.fresh_cluster``."""
    cluster, facts, pins = build.fresh_cluster(
        collection, migration, server, on_target, members, target_services,
        incoming)
    violations = validate.validate_plan(
        cluster, plan_mod.Plan('recheck', (migration,)))
    if not violations:
        return None
    return _explain(cluster, facts, pins, migration, server) or str(
        violations[0])


def _explain(cluster, facts, pins, migration, server):
    if server is None:
        return 'server is gone'
    if server.host != migration.source:
        return (f'server is now on {server.host!r}, not on '
                f'{migration.source!r}')
    if not server.movable_status:
        return f'server is {server.status}' + (
            f'/{server.task_state}' if server.task_state else '')
    if pins:
        return f'server is {", ".join(pins)}'
    target = facts.get(migration.target)
    if target is None or not target.target:
        why = target.why_not_target if target else 'unknown'
        return f'target {migration.target} may not receive: {why}'
    if cluster.server_index(migration.server) is None:
        return None
    mover = cluster.server(migration.server)
    for other in cluster.servers:
        if other.host == migration.target and other.id != mover.id and \
                mover.group is not None and other.group == mover.group:
            return (f'target {migration.target} now holds '
                    f'{words.server_label(other)}, a member of the same '
                    'group')
    after = [dataclasses.replace(s, host=migration.target)
             if s.id == mover.id else s for s in cluster.servers]
    for hot in detect.detect(type(cluster)(cluster.hosts, after)):
        if hot.host != migration.target:
            continue
        over = []
        if hot.cpu_used > hot.cpu_limit:
            over.append(f'CPU {hot.cpu_used:g} > {hot.cpu_limit:g}')
        if hot.mem_used > hot.mem_limit:
            over.append(f'memory {hot.mem_used:g} > {hot.mem_limit:g} MB')
        return (f'target {migration.target} would be pushed over its '
                f'threshold: {", ".join(over)}')
    return None
