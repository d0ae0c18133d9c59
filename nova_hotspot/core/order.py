"""Plan order (pure): cure the worst hosts first.

The actuator starts moves in plan order as far as its limits allow, and
``max_migrations_per_cycle`` cuts the plan's tail, so the order decides
which hosts are cured first. ``worst_first`` puts the moves off the
hottest hosts first while keeping the plan valid.

Why the result is valid whenever the plan is: the validator replays the
moves in order, and the only thing a move can rely on from an earlier one
is room (or a group member gone) on its target, which only a move *off*
that target gives. So a move onto host T stays after every move before
it in the plan that leaves T; any other pair may swap (a move onto T
judged earlier sees less on T, never more). A move that makes such room
inherits the rank of the move that needs it.
"""

import dataclasses
import heapq

from nova_hotspot.core import detect


def heat(cluster):
    """{host: how far over its limit}: for each hot host the largest of
    used / limit over CPU and memory (above 1)."""
    result = {}
    for hot in detect.detect(cluster):
        ratios = [used / limit for used, limit in (
            (hot.cpu_used, hot.cpu_limit), (hot.mem_used, hot.mem_limit))
            if limit > 0]
        result[hot.host] = max(ratios, default=float('inf'))
    return result


def worst_first(cluster, plan):
    """``plan`` with its moves reordered: moves off hotter hosts first,
    plan order among equals, every move onto a host after the moves
    before it in ``plan`` that leave that host."""
    moves = plan.migrations
    hot = heat(cluster)
    # needs[j]: the earlier moves that leave move j's target.
    leaving = {}
    needs = []
    for index, move in enumerate(moves):
        needs.append(list(leaving.get(move.target, ())))
        leaving.setdefault(move.source, []).append(index)
    rank = [hot.get(move.source, 0.0) for move in moves]
    for index in range(len(moves) - 1, -1, -1):
        for earlier in needs[index]:
            rank[earlier] = max(rank[earlier], rank[index])
    waiting = [len(n) for n in needs]
    unlocks = [[] for _ in moves]
    for index, earlier in enumerate(needs):
        for e in earlier:
            unlocks[e].append(index)
    ready = [(-rank[i], i) for i in range(len(moves)) if not waiting[i]]
    heapq.heapify(ready)
    order = []
    while ready:
        _, index = heapq.heappop(ready)
        order.append(moves[index])
        for later in unlocks[index]:
            waiting[later] -= 1
            if not waiting[later]:
                heapq.heappush(ready, (-rank[later], later))
    return dataclasses.replace(plan, migrations=tuple(order))
