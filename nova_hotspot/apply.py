"""``nova-hotspot apply``: carry out a plan an operator reviewed (the JSON
of ``nova-hotspot plan --cloud NAME --format json``), the pure parts.

Reading the plan file (one line naming the record on bad input), the
staleness check of each move against a fresh collection of the cloud, and
the report of what became of each move. The moves that are still what was
planned go through the agent's own actuator (fresh re-check before each
move, concurrency and per-cycle limits, cooldowns, quarantine); the cloud
side is in cli.py (``cmd_apply``) and agent/live.py.

A move is *stale*, and refused before anything moves, when a fact it was
planned on changed: the server is gone, on another host, not ACTIVE,
pinned (cooling down, opted out, migrating), in another group or role;
the target is gone, no target any more (disabled, down, excluded,
quarantined), holds a member of the server's group, or would be pushed
over a threshold (the one validator, on the fresh cluster, with the
plan's earlier moves made).
"""

import dataclasses
import json

from nova_hotspot import exceptions
from nova_hotspot.core import model
from nova_hotspot.core import plan as plan_mod
from nova_hotspot.core import validate
from nova_hotspot.core import words

#: Exit codes of ``nova-hotspot apply`` (README, ``--help``).
EXIT_DONE = 0          # every move carried out (or, dry run, would be)
EXIT_SOME_NOT_DONE = 1  # some moves refused as stale, skipped or failed
EXIT_USAGE = 2         # bad plan file or option: nothing was done
EXIT_CLOUD = 3         # the cloud could not be reached or read
EXIT_STALE = 4         # every move of the plan is stale: nothing was done

#: Results of a move that count as carried out.
DONE = frozenset({'completed', 'dry-run'})


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedMove:
    """One migration of a plan file, with the facts it was planned on."""

    number: int          # 1-based, in plan order
    server: str
    source: str
    target: str
    server_name: str | None = None
    group: str | None = None
    role: str | None = None

    @property
    def migration(self):
        return plan_mod.Migration(self.server, self.source, self.target,
                                  'approved plan')

    @property
    def label(self):
        return words.label(self.server, self.server_name)


def _field(record, where, key, required=True):
    value = record.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        what = 'missing' if key not in record else 'must be a non-empty ' \
                                                   'string'
        raise exceptions.InvalidPlan(f"{where}: field {key!r} {what}")
    return value


def loads(text, path='plan'):
    """The PlannedMoves of a plan file's text; InvalidPlan (one line
    naming the file and the record) when it is not a plan to apply."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise exceptions.InvalidPlan(f'{path}: not valid JSON: {exc}') \
            from None
    if not isinstance(doc, dict) or not isinstance(doc.get('migrations'),
                                                   list):
        raise exceptions.InvalidPlan(
            f"{path}: not a plan (no 'migrations' list; make one with "
            "nova-hotspot plan --format json)")
    if doc.get('violations'):
        raise exceptions.InvalidPlan(
            f'{path}: the plan validator refused this plan '
            f'({len(doc["violations"])} violation(s)); nothing to apply')
    moves = []
    seen = set()
    for i, record in enumerate(doc['migrations']):
        where = f'{path}: migrations[{i}]'
        if not isinstance(record, dict):
            raise exceptions.InvalidPlan(f'{where}: not an object')
        move = PlannedMove(
            i + 1, _field(record, where, 'server'),
            _field(record, where, 'source'), _field(record, where, 'target'),
            _field(record, where, 'server_name', required=False),
            _field(record, where, 'group', required=False),
            _field(record, where, 'role', required=False))
        if move.server in seen:
            raise exceptions.InvalidPlan(
                f'{where}: server {move.server!r} is moved twice')
        seen.add(move.server)
        moves.append(move)
    return moves


def _role(server):
    return server.role.value if server.role else None


def fact_changed(move, collection):
    """Why ``move`` was planned on facts that no longer hold in
    ``collection`` (a fresh ``collect.build.Collection``), or None."""
    cluster = collection.cluster
    si = cluster.server_index(move.server)
    if si is None:
        return 'server is gone'
    server = cluster.servers[si]
    if server.host != move.source:
        return f'server is now on {server.host}, not on {move.source}'
    if server.status != model.ACTIVE:
        return f'server is {server.status}'
    pins = collection.pins.get(move.server)
    if pins:
        return f'server is {", ".join(pins)}'
    if server.group != move.group:
        return (f'server is now in group {server.group or "none"}, not in '
                f'{move.group or "none"}')
    if move.role is not None and _role(server) != move.role:
        return (f'server is now {_role(server) or "without a role"}, not '
                f'{move.role}')
    facts = collection.hosts.get(move.target)
    if facts is None:
        return f'target {move.target} is gone'
    if not facts.target:
        return f'target {move.target} may not receive: {facts.why_not_target}'
    return None


def stale_moves(moves, collection):
    """{move number: why it is stale} for the moves of a plan file on a
    fresh collection: facts that changed (``fact_changed``), then the one
    validator on the fresh cluster for the rest, in plan order (a group
    member now on the target, a target now too full with the plan's
    earlier moves made). Moves refused by the validator are dropped and
    the rest validated again, so a refusal never blames a later move."""
    stale = {}
    for move in moves:
        why = fact_changed(move, collection)
        if why is not None:
            stale[move.number] = why
    while True:
        kept = [m for m in moves if m.number not in stale]
        violations = validate.validate_plan(
            collection.cluster,
            plan_mod.Plan('apply', tuple(m.migration for m in kept)))
        if not violations:
            return stale
        first = violations[0]
        stale[kept[first.index].number] = first.message


def to_apply(moves, stale):
    """The plan of the moves that are not stale, in plan order, and the
    PlannedMove of each of its migrations."""
    kept = [m for m in moves if m.number not in stale]
    return plan_mod.Plan('apply', tuple(m.migration for m in kept)), kept


def exit_code(moves, stale, outcomes):
    """The exit code of ``apply`` (see the EXIT_ constants)."""
    if moves and len(stale) == len(moves):
        return EXIT_STALE
    if stale or any(o.result not in DONE for o in outcomes):
        return EXIT_SOME_NOT_DONE
    return EXIT_DONE


def report_lines(path, moves, stale, outcomes, dry_run=False):
    """What became of each move of the plan, in plan order, after a
    summary line. ``outcomes`` are the actuator's, one per move that was
    not stale, in plan order."""
    outcome_of = dict(zip((m.number for m in moves
                           if m.number not in stale), outcomes))
    done = sum(o.result in DONE for o in outcomes)
    not_done = len(outcomes) - done
    verb = 'would be carried out (dry run)' if dry_run else 'carried out'
    lines = [f'Plan {path}: {done} of {words.plural(len(moves), "move")} '
             f'{verb}, {len(stale)} refused as stale, {not_done} not done']
    for move in moves:
        head = f'  {move.number}. {move.label}: {move.source} -> ' \
               f'{move.target}: '
        if move.number in stale:
            lines.append(f'{head}stale, refused: {stale[move.number]}')
            continue
        outcome = outcome_of[move.number]
        text = outcome.result
        if outcome.reason:
            text += f' ({outcome.reason})'
        lines.append(head + text)
    return lines
