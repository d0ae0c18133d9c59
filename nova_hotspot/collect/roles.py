"""Master/slave roles from server groups and server metadata (pure).

Each anti-affinity or soft-anti-affinity server group is one business. The
group gives membership (a group's own ``metadata`` is always empty in
today's Nova API); each member's role comes from its server metadata under
a configurable key (default ``hotspot_role``), value ``master`` or
``slave``.

The rules for what does not fit (each is reported as a ``Problem``; the
agent logs them once per cycle, naming server and group):

- role values are compared after stripping blanks and lower-casing;
  anything else than master/slave is ``unknown-role`` and the server gets
  no role (it is still a member of its business);
- a group with several masters (``several-masters``): none of them is
  treated as master (no role): the agent will not guess which one is real;
- a business with members but no master (``no-master``): its members keep
  their roles; the paper's strategy then never moves any of them;
- a role on a server in no business (``role-without-group``), or in an
  affinity / soft-affinity group (``role-in-affinity-group``): ignored, the
  server has no role and no business;
- a member listed by the group but not among the servers
  (``member-gone``): ignored;
- a server listed by two business groups (``several-groups``): the first
  group listed keeps it.
"""

import dataclasses

from nova_hotspot.core import model
from nova_hotspot.core.problems import Problem

BUSINESS_POLICIES = frozenset({'anti-affinity', 'soft-anti-affinity'})
ROLE_VALUES = {'master': model.Role.MASTER, 'slave': model.Role.SLAVE}


@dataclasses.dataclass(frozen=True)
class Assignment:
    group: str | None
    role: model.Role | None


def assign_roles(groups, server_metadata, role_key='hotspot_role'):
    """Map servers to (business, role).

    ``groups``: iterable of server groups (``.id``, ``.policy``,
    ``.members``, e.g. ``cloud.records.ServerGroup``);
    ``server_metadata``: mapping of every existing server id to its
    metadata dict. Returns
    ``(assignments, problems)``: ``assignments`` maps every server id of
    ``server_metadata`` to an ``Assignment``; ``problems`` lists
    ``Problem`` in a stable order.
    """
    problems = []
    business = {}
    for group in groups:
        if group.policy not in BUSINESS_POLICIES:
            continue
        for member in group.members:
            if member not in server_metadata:
                problems.append(Problem(
                    'member-gone', 'listed member is not among the servers',
                    member, group.id))
                continue
            if member in business:
                problems.append(Problem(
                    'several-groups',
                    f'also in group {business[member]}; kept there',
                    member, group.id))
                continue
            business[member] = group.id

    roles = {}
    for server_id, metadata in server_metadata.items():
        raw = (metadata or {}).get(role_key)
        if raw is None:
            continue
        value = str(raw).strip().lower()
        if server_id not in business:
            policy = _policy_of(groups, server_id)
            kind = ('role-in-affinity-group' if policy else
                    'role-without-group')
            where = (f'its group has policy {policy}' if policy else
                     'it is in no anti-affinity group')
            problems.append(Problem(
                kind, f'role {raw!r} ignored: {where}', server_id,
                _group_of(groups, server_id)))
            continue
        if value not in ROLE_VALUES:
            problems.append(Problem(
                'unknown-role',
                f'{role_key}={raw!r} is neither master nor slave; no role',
                server_id, business[server_id]))
            continue
        roles[server_id] = ROLE_VALUES[value]

    members_of = {}
    for server_id, group_id in business.items():
        members_of.setdefault(group_id, []).append(server_id)
    for group in groups:
        members = members_of.get(group.id)
        if not members:
            continue
        masters = [s for s in members if roles.get(s) is model.Role.MASTER]
        if len(masters) > 1:
            problems.append(Problem(
                'several-masters',
                f'{len(masters)} masters ({", ".join(masters)}); none is '
                f'treated as master', None, group.id))
            for s in masters:
                del roles[s]
        elif not masters:
            problems.append(Problem(
                'no-master', f'business of {len(members)} member(s) has no '
                'master', None, group.id))

    assignments = {
        server_id: Assignment(business.get(server_id), roles.get(server_id))
        for server_id in server_metadata}
    return assignments, problems


def _policy_of(groups, server_id):
    for group in groups:
        if server_id in group.members:
            return group.policy
    return None


def _group_of(groups, server_id):
    for group in groups:
        if server_id in group.members:
            return group.id
    return None
