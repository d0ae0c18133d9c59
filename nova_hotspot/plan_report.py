"""A plan as people and tools see it: the JSON-ready report that
``nova-hotspot plan --format json`` prints, and the table that the CLI
prints and the agent logs each cycle.

The report replays the plan once (``core.load.replay``) to say, per move,
what it copies and lowers and which other targets were refused and why,
and per hot host where the plan leaves it. The table starts with a
one-line summary; hosts left hot are grouped by reason, so that a plan of
thousands of hosts stays a screenful plus its moves. Numbers and servers
are said by ``core.words`` (units on every number, names beside ids).
"""

import collections

from nova_hotspot.core import detect
from nova_hotspot.core import load
from nova_hotspot.core import lowers as lowers_mod
from nova_hotspot.core import words

#: Hosts named per group of hosts left hot, per list of refused targets.
NAMED_HOSTS = 8

_RESOURCE_WORDS = {'cpu': 'CPU', 'mem': 'memory'}


def build(cluster, plan, violations, hotspots=None):
    """The plan as JSON-ready data; ``migrations`` is in execution order.

    ``hotspots`` is the detection of ``cluster`` the caller already made
    (``detect.detect(cluster)``, e.g. the agent's cycle); without it the
    cluster is detected here."""
    if hotspots is None:
        hotspots = detect.detect(cluster)
    migrations, after = _replay(cluster, plan)
    moves_from = collections.Counter(m['source'] for m in migrations)
    data_from = collections.defaultdict(float)
    for m in migrations:
        data_from[m['source']] += m['data_mb']
    unresolved = {u.host: u.reason for u in plan.unresolved}
    cured_why = collections.defaultdict(list)
    for c in plan.cured:
        cured_why[c.host].append(c.reason)
    hot = []
    for h in hotspots:
        hi = cluster.host_index(h.host)
        entry = _hotspot_dict(h)
        entry.update(
            cpu_after=after.cpu_used[hi], mem_after=after.mem_used[hi],
            cured=not after.is_hot(hi), moves=moves_from[h.host])
        if h.host in unresolved:
            entry['reason'] = unresolved[h.host]
        elif cured_why[h.host]:
            entry['reason'] = '; then '.join(cured_why[h.host])
        elif entry['moves']:
            entry['reason'] = (f'{words.plural(entry["moves"], "move")} '
                               f'copying {words.data(data_from[h.host])}')
        else:
            entry['reason'] = 'no move planned'
        hot.append(entry)
    return {
        'strategy': plan.strategy,
        'summary': _summary(hot, migrations, plan.unresolved),
        'hotspots': hot,
        'migrations': migrations,
        'unresolved': [{'host': u.host, 'reason': u.reason}
                       for u in plan.unresolved],
        'violations': [str(v) for v in violations],
    }


def _summary(hot, migrations, unresolved):
    by_reason = {}
    for u in unresolved:
        group = by_reason.setdefault(words.short_reason(u.reason),
                                     {'reason': words.short_reason(u.reason),
                                      'count': 0, 'hosts': []})
        group['count'] += 1
        group['hosts'].append(u.host)
    return {
        'hot_hosts': len(hot),
        'hot_cpu': sum('cpu' in h['resources'] for h in hot),
        'hot_mem': sum('mem' in h['resources'] for h in hot),
        'moves': len(migrations),
        'data_mb': sum(m['data_mb'] for m in migrations),
        'cured': sum(h['cured'] for h in hot),
        'left_hot': len(unresolved),
        'left_hot_by_reason': sorted(by_reason.values(),
                                     key=lambda g: (-g['count'],
                                                    g['reason'])),
    }


def _replay(cluster, plan):
    """(the migrations as JSON-ready data, the load state after the
    plan); a move the replay cannot make (an invalid plan, which the
    validator reports) says only what the plan says."""
    levels = lowers_mod.Levels(load.LoadState(cluster), plan.source_margin)
    migrations = []

    def before(step, state):
        m = step.migration
        entry = {'server': m.server, 'server_name': None, 'group': None,
                 'role': None,
                 'source': m.source, 'target': m.target, 'score': m.score,
                 'reason': m.reason, 'data_mb': None, 'cpu': None,
                 'mem_mb': None, 'lowers': [], 'refused_targets': [],
                 'targets_too_full': None}
        migrations.append(entry)
        if step.server is None:
            return
        server = cluster.servers[step.server]
        entry.update(server_name=server.name, group=server.group,
                     role=server.role.value if server.role else None,
                     data_mb=server.data_mb, cpu=server.cpu,
                     mem_mb=server.mem)
        if step.problem is not None:
            return
        entry['lowers'] = [r.value for r in levels.lowered(
            state, server, step.source)]
        refused, too_full = _refused(state, step.server, step.source,
                                     step.target)
        entry.update(refused_targets=refused, targets_too_full=too_full)

    after = load.replay(cluster, plan, before)
    return migrations, after


def _refused(state, si, source, target):
    """The other hosts that had room for server ``si`` and were refused
    because they hold a member of its group, with why; and how many other
    hosts had no room (would be pushed over a threshold). Hosts that are
    no target at all (disabled, down, excluded) are the table's "Not
    targets", not a refusal of this move."""
    cluster = state.cluster
    server = cluster.servers[si]
    fits = (state.cpu_cap - server.cpu >= 0) & (state.mem_cap - server.mem
                                                >= 0)
    fits[source] = fits[target] = False
    too_full = len(cluster.hosts) - 2 - int(fits.sum())
    refused = {}
    for hj in state.member_hosts(server.group):
        if hj in (source, target) or not fits[hj]:
            continue
        # The group column, not Server objects: a snapshot builds those
        # only when asked for, and these hosts hold many servers.
        groups = cluster.server_groups
        member = cluster.servers[next(
            sj for sj in state.residents[hj]
            if sj != si and groups[sj] == server.group)]
        refused[hj] = f'holds {words.server_label(member)}, ' \
                      f'{_relation(member, server)}'
    return ([{'host': cluster.hosts[hj].name, 'reason': why}
             for hj, why in sorted(refused.items())], max(too_full, 0))


def _relation(member, mover):
    """How ``member`` stands to ``mover`` in their group (the line names
    the mover): ``its slave``, ``its group's master``."""
    role = member.role.value if member.role else 'member'
    if mover.is_master:
        return f'its {role}'
    return f"its group's {role}"


def _hotspot_dict(hotspot):
    return {'host': hotspot.host,
            'resources': [r.value for r in hotspot.resources],
            'cpu_used': hotspot.cpu_used, 'cpu_limit': hotspot.cpu_limit,
            'mem_used': hotspot.mem_used, 'mem_limit': hotspot.mem_limit}


def _over(h):
    """``CPU 90.0 > 80.0 vCPU (+10.0)``, per resource it is hot in."""
    over = []
    if 'cpu' in h['resources']:
        over.append(f"CPU {h['cpu_used']:.1f} > "
                    f"{words.vcpu(h['cpu_limit'])} "
                    f"(+{h['cpu_used'] - h['cpu_limit']:.1f})")
    if 'mem' in h['resources']:
        over.append(f"memory {h['mem_used']:.0f} > "
                    f"{words.mib(h['mem_limit'])} "
                    f"(+{h['mem_used'] - h['mem_limit']:.0f})")
    return ', '.join(over)


def _after(h):
    """Where the plan leaves the hot resources of ``h``."""
    after = []
    if 'cpu' in h['resources']:
        after.append(f"CPU {words.vcpu(h['cpu_after'])}")
    if 'mem' in h['resources']:
        after.append(f"memory {words.mib(h['mem_after'])}")
    return ', '.join(after)


def summary_line(report):
    """The first line of the table: what the plan does, in one line."""
    s = report['summary']
    kinds = [f"{s[key]} {word}" for key, word in (('hot_cpu', 'CPU'),
                                                  ('hot_mem', 'memory'))
             if s[key]]
    hot = words.plural(s['hot_hosts'], 'hot host')
    if kinds:
        hot += f" ({', '.join(kinds)})"
    line = (f"Strategy {report['strategy']}: {hot}, "
            f"{words.plural(s['moves'], 'move')} copying "
            f"{words.data(s['data_mb'])}, {s['cured']} cured, "
            f"{s['left_hot']} left hot")
    if s['left_hot_by_reason']:
        line += ' (' + ', '.join(f"{g['count']} {g['reason']}"
                                 for g in s['left_hot_by_reason']) + ')'
    return line


def _names(names):
    shown = ', '.join(names[:NAMED_HOSTS])
    if len(names) > NAMED_HOSTS:
        shown += f' and {len(names) - NAMED_HOSTS} more'
    return shown


def _move_lines(n, m):
    who = words.label(m['server'], m['server_name'])
    head = f"  {n}. {who}: {m['source']} -> {m['target']}"
    if m['data_mb'] is not None:
        lowers = ' and '.join(_RESOURCE_WORDS[r] for r in m['lowers'])
        head += (f", copies {words.data(m['data_mb'])}, "
                 f"lowers {lowers or 'nothing over its threshold'} (uses "
                 f"{words.vcpu(m['cpu'])}, {words.mib(m['mem_mb'])})")
    lines = [head]
    if m['reason']:
        lines.append(f"     {m['reason']}")
    if m['refused_targets']:
        refused = [f"{r['host']} ({r['reason']})"
                   for r in m['refused_targets']]
        text = ', '.join(refused[:NAMED_HOSTS])
        if len(refused) > NAMED_HOSTS:
            text += f' and {len(refused) - NAMED_HOSTS} more'
        if m['targets_too_full']:
            text += (f"; {words.plural(m['targets_too_full'], 'other host')}"
                     ' too full')
        lines.append(f'     refused for {who}: {text}')
    return lines


def format_table(report):
    """The report as the table people read (CLI output, agent log)."""
    lines = [summary_line(report)]
    cured = [h for h in report['hotspots'] if h['cured']]
    if cured:
        lines.append(f'Cured ({len(cured)}):')
        for h in cured:
            lines.append(f"  {h['host']}: {_over(h)} -> {_after(h)}, by "
                         f"{h['reason']}")
    moves = report['migrations']
    lines.append(f'Migrations ({len(moves)}, in order):')
    for n, m in enumerate(moves, 1):
        lines.extend(_move_lines(n, m))
    if not moves:
        lines.append('  none')
    left = [h for h in report['hotspots'] if not h['cured']]
    if left:
        lines.append(f'Left hot ({len(left)}):')
        groups = {}
        for h in left:
            groups.setdefault(h['reason'], []).append(h)
        for reason, hosts in sorted(groups.items(),
                                    key=lambda g: (-len(g[1]), g[0])):
            if len(hosts) == 1:
                h = hosts[0]
                lines.append(f"  {h['host']} ({_over(h)}): {reason}")
            else:
                lines.append(f'  {len(hosts)} hosts: {reason}')
                lines.append('    ' + _names([h['host'] for h in hosts]))
    if report.get('not_targets'):
        lines.append('Not targets:')
        for n in report['not_targets']:
            lines.append(f"  {n['host']}: {n['reason']}")
    if report['violations']:
        lines.append('PLAN REFUSED by the validator:')
        lines.extend(f'  {v}' for v in report['violations'])
    return '\n'.join(lines)


def outcome_line(outcome, cluster):
    """An actuator's ``limits.Outcome`` in words, its server named beside
    its id when ``cluster`` knows it (the agent's log, ``apply``)."""
    text = (f'{words.label_in(cluster, outcome.server)} {outcome.source} '
            f'-> {outcome.target}: {outcome.result}')
    return f'{text} ({outcome.reason})' if outcome.reason else text
