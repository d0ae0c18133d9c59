"""A plan as people and tools see it: the JSON-ready report that
``nova-hotspot plan --format json`` prints, and the table that the CLI
prints and the agent logs each cycle."""

from nova_hotspot.core import detect


def build(cluster, plan, violations, hotspots=None):
    """The plan as JSON-ready data; ``migrations`` is in execution order.

    ``hotspots`` is the detection of ``cluster`` the caller already made
    (``detect.detect(cluster)``, e.g. the agent's cycle); without it the
    cluster is detected here."""
    if hotspots is None:
        hotspots = detect.detect(cluster)
    return {
        'strategy': plan.strategy,
        'hotspots': [_hotspot_dict(h) for h in hotspots],
        'migrations': [{'server': m.server, 'source': m.source,
                        'target': m.target, 'score': m.score,
                        'reason': m.reason} for m in plan.migrations],
        'unresolved': [{'host': u.host, 'reason': u.reason}
                       for u in plan.unresolved],
        'violations': [str(v) for v in violations],
    }


def _hotspot_dict(hotspot):
    return {'host': hotspot.host,
            'resources': [r.value for r in hotspot.resources],
            'cpu_used': hotspot.cpu_used, 'cpu_limit': hotspot.cpu_limit,
            'mem_used': hotspot.mem_used, 'mem_limit': hotspot.mem_limit}


def format_table(report):
    """The report as the table people read (CLI output, agent log)."""
    lines = []
    hot = report['hotspots']
    lines.append(f"Strategy {report['strategy']}: {len(hot)} hot host(s)")
    for h in hot:
        over = []
        if 'cpu' in h['resources']:
            over.append(f"CPU {h['cpu_used']:.6g} > {h['cpu_limit']:.6g} "
                        f"(+{h['cpu_used'] - h['cpu_limit']:.6g})")
        if 'mem' in h['resources']:
            over.append(f"memory {h['mem_used']:.6g} > "
                        f"{h['mem_limit']:.6g} MB "
                        f"(+{h['mem_used'] - h['mem_limit']:.6g})")
        lines.append(f"  {h['host']}: {', '.join(over)}")
    moves = report['migrations']
    lines.append(f'Migrations ({len(moves)}, in order):')
    for n, m in enumerate(moves, 1):
        lines.append(f"  {n}. {m['server']}: {m['source']} -> "
                     f"{m['target']}")
        lines.append(f"     {m['reason']}")
    if not moves:
        lines.append('  none')
    if report['unresolved']:
        lines.append('Left hot:')
        for u in report['unresolved']:
            lines.append(f"  {u['host']}: {u['reason']}")
    if report['violations']:
        lines.append('PLAN REFUSED by the validator:')
        lines.extend(f'  {v}' for v in report['violations'])
    return '\n'.join(lines)
