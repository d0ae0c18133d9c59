"""An independent, literal transcription of the paper's section 2.3, used
as the test oracle for strategy ``paper``.

It works on the raw snapshot JSON and recomputes every cap from the
tenant lists at each step, as the paper's text does, sharing no code with
nova_hotspot. The only additions are the ones the project documents:
disabled hosts are not targets, masters that are not ACTIVE or are pinned
do not move, and mu = 0 falls back to the mean limit.
"""


def plan_as_written(snap):
    hosts = snap['hosts']
    names = [h['name'] for h in hosts]
    tenants = {name: [] for name in names}
    for t in snap['servers']:
        tenants[t['host']].append(t)
    limits = {h['name']: (h['cpu_threshold'] * h['vcpus'],
                          h['mem_threshold'] * h['memory_mb'])
              for h in hosts}
    enabled = {h['name']: h.get('enabled', True) for h in hosts}

    def caps(name):
        cpu_used = 0.0
        mem_used = 0.0
        for t in tenants[name]:
            cpu_used += t['cpu']
            mem_used += t['mem']
        cpu_th, mem_th = limits[name]
        return cpu_th - cpu_used, mem_th - mem_used

    def weight(index):
        n = len(names)
        mu = sum(caps(name)[index] for name in names) / n
        if mu == 0.0:
            mu = sum(limits[name][index] for name in names) / n
        return 1.0 / (mu * mu) if mu != 0.0 else 1.0

    c_cpu, c_mem = weight(0), weight(1)

    def group_on(group, name):
        return group is not None and any(
            t.get('group') == group for t in tenants[name])

    result = []
    i = 0
    while i < len(names):
        src = names[i]
        cpu_cap_i, mem_cap_i = caps(src)
        if not (mem_cap_i < 0 or cpu_cap_i < 0):
            i += 1
            continue
        best = None
        for dst in names:
            cpu_cap_j, mem_cap_j = caps(dst)
            if dst == src or not enabled[dst] or not (
                    mem_cap_j > 0 and cpu_cap_j > 0):
                continue
            diff_mem = mem_cap_i - mem_cap_j
            diff_cpu = cpu_cap_i - cpu_cap_j
            for t in tenants[src]:
                if t.get('role') != 'master' or t.get('pinned') or \
                        t.get('status', 'ACTIVE') != 'ACTIVE':
                    continue
                if group_on(t.get('group'), dst):
                    continue
                if (t['mem'] + mem_cap_i > 0 and t['cpu'] + cpu_cap_i > 0
                        and mem_cap_j - t['mem'] > 0
                        and cpu_cap_j - t['cpu'] > 0):
                    c = (c_mem * t['mem'] * (diff_mem + t['mem'])
                         + c_cpu * t['cpu'] * (diff_cpu + t['cpu'])) \
                        / t['data_mb']
                    if best is None or c < best[0]:
                        best = (c, t, dst)
        if best is None:
            i += 1
            continue
        _, t, dst = best
        tenants[src].remove(t)
        tenants[dst].append(t)
        result.append((t['id'], src, dst))
        i = 0  # step 4 (5): back to step 1, from the first host
    return result
