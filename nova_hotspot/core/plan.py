"""Migration plans: what a strategy returns and an actuator carries out."""

import dataclasses


@dataclasses.dataclass(frozen=True, slots=True)
class Migration:
    """Live-migrate ``server`` from ``source`` to ``target``.

    ``reason`` says in words why this move; ``score`` is the strategy's own
    number behind the choice (lower is better), if it has one.
    """

    server: str
    source: str
    target: str
    reason: str = ''
    score: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Unresolved:
    """A host the plan leaves hot, and why no move was found for it."""

    host: str
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class Cured:
    """A host the plan cures with several moves, and why with these: the
    sentence about the whole set, said once for the host rather than on
    each of its moves."""

    host: str
    reason: str


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """Moves in the order they are to be made, and the hosts left hot.

    ``source_margin`` is the fraction of its limit the strategy aims to leave
    a cured host under it, on the resources it was hot on (0: cured to the
    limit); moves towards that margin are not mis-migrations
    (compare.measure). ``cured`` holds a ``Cured`` per host whose moves
    are explained as a set (strategy ``cure``); a strategy whose every move
    explains itself leaves it empty.
    """

    strategy: str
    migrations: tuple = ()
    unresolved: tuple = ()
    source_margin: float = 0.0
    cured: tuple = ()
