"""The actuators' safety rules, as pure logic.

- ``Cooldowns``: the one place of the cooldown rule: after any migration
  attempt (completed, refused, failed, timed out) a server is not tried
  again for ``seconds``. The collector pins those servers (so no plan
  moves them) and the actuator skips them, both by asking it.
- ``Gate``: which planned migrations may start now, given those in
  flight: at most ``max_concurrent`` at once, at most ``max_per_host`` off
  one source host, at most ``max_per_target`` onto one target host (0: no
  limit of its own), never two of one server group at the same time
  (Nova does not re-check anti-affinity between parallel live migrations:
  Launchpad bug 1821755), and never a move onto a host that a move before
  it in the plan still has to leave (the plan counted on that room: the
  validator replays moves in plan order). Independent moves run in
  parallel up to those limits.

The fresh re-check before each move is ``actuators.recheck``: the one
validator on a small fresh cluster.
"""

import dataclasses
import threading


@dataclasses.dataclass(frozen=True)
class Limits:
    max_concurrent: int = 1
    max_per_host: int = 1
    max_per_target: int = 0
    max_per_cycle: int = 5
    migration_timeout: float = 600.0
    poll_interval: float = 2.0

    @classmethod
    def from_settings(cls, settings):
        return cls(max_concurrent=settings.max_concurrent_migrations,
                   max_per_host=settings.max_migrations_per_host,
                   max_per_target=settings.max_incoming_migrations_per_host,
                   max_per_cycle=settings.max_migrations_per_cycle,
                   migration_timeout=settings.migration_timeout,
                   poll_interval=settings.migration_poll_interval)


@dataclasses.dataclass
class Outcome:
    """What became of one planned migration."""

    server: str
    source: str
    target: str
    result: str        # completed, refused, failed, timeout, skipped,
    # dry-run, not-started
    reason: str = ''
    started: float | None = None
    finished: float | None = None
    migration_id: str | None = None
    progress: list = dataclasses.field(default_factory=list)

    @property
    def attempted(self):
        return self.result in ('completed', 'refused', 'failed', 'timeout')

    @property
    def blames_target(self):
        """Whether the move puts its target in quarantine: it failed or
        timed out, or Nova accepted the request and its conductor then
        gave up (e.g. the pre-check on a hung or dead target). A refusal
        of the request itself (HTTP 4xx: the server is locked...) does
        not."""
        return self.result in ('failed', 'timeout') or (
            self.result == 'refused' and self.migration_id is not None)

    def __str__(self):
        text = f'{self.server} {self.source} -> {self.target}: {self.result}'
        return f'{text} ({self.reason})' if self.reason else text


class Cooldowns:
    """server id -> (time of last attempt, its outcome); thread-safe.
    ``seconds``: how long a server waits after an attempt (the agent sets
    it from ``[hotspot] cooldown``, again on SIGHUP)."""

    def __init__(self, seconds=1800.0):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._last = {}
        #: Called (no arguments) after each record, e.g. to persist.
        self.on_change = None

    def record(self, server_id, now, result):
        with self._lock:
            self._last[server_id] = (now, result)
        if self.on_change is not None:
            self.on_change()

    def restore(self, items):
        """Take back ``items()`` saved earlier ({server id: (time,
        result)}); an attempt held already that is newer stays."""
        with self._lock:
            for server_id, (when, result) in items.items():
                if when > self._last.get(server_id, (float('-inf'),))[0]:
                    self._last[server_id] = (when, result)

    def items(self, now=None):
        """{server id: (time, result)}, only those still cooling down when
        ``now`` is given."""
        with self._lock:
            items = dict(self._last)
        if now is None:
            return items
        return {s: v for s, v in items.items()
                if v[0] + self.seconds > now}

    def remaining(self, server_id, now):
        """Seconds until ``server_id`` may be tried again (0 if it may)."""
        with self._lock:
            last = self._last.get(server_id)
        if last is None:
            return 0.0
        return max(0.0, last[0] + self.seconds - now)

    def pins(self, now):
        """{server id: reason} of every server still cooling down."""
        with self._lock:
            items = list(self._last.items())
        pins = {}
        for server_id, (when, result) in items:
            left = when + self.seconds - now
            if left > 0:
                pins[server_id] = (f'cooldown: last attempt {result}, '
                                   f'{left:.0f}s left')
        return pins




class Quarantine:
    """host name -> (until when, why); thread-safe. A target a migration
    failed or timed out on is not a target for the rest of the cycle and
    for ``seconds`` (the agent sets it from ``[hotspot]
    target_quarantine``, again on SIGHUP)."""

    def __init__(self, seconds=900.0):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._until = {}
        self._new = []
        #: Called (no arguments) after each record, e.g. to persist.
        self.on_change = None

    def record(self, host, now, why):
        """Quarantine ``host`` from ``now``; True when it was not
        quarantined already (the caller logs it once)."""
        with self._lock:
            new = self._until.get(host, (0.0, ''))[0] <= now
            self._until[host] = (now + self.seconds, why)
            if new:
                self._new.append(host)
        if self.on_change is not None:
            self.on_change()
        return new

    def take_new(self):
        """The hosts newly quarantined since the last call."""
        with self._lock:
            new, self._new = self._new, []
        return new

    def why(self, host, now):
        """Why ``host`` is quarantined now, or None."""
        with self._lock:
            until, why = self._until.get(host, (0.0, ''))
        if until <= now:
            return None
        return f'quarantined: {why}, {until - now:.0f}s left'

    def hosts(self, now):
        """{host: why} of every host quarantined now."""
        with self._lock:
            names = list(self._until)
        return {h: w for h in names if (w := self.why(h, now)) is not None}

    def items(self):
        """[(host, until, why)]: the state to persist."""
        with self._lock:
            return [(h, u, w) for h, (u, w) in self._until.items()]

    def restore(self, items, now):
        """Take back ``items()`` saved earlier (expired ones dropped; a
        quarantine held already that lasts longer stays)."""
        with self._lock:
            for host, until, why in items:
                if until > max(now, self._until.get(host, (0.0,))[0]):
                    self._until[host] = (until, why)


class Gate:
    """Decides which planned migrations may start, given those in flight.

    ``groups`` maps server id -> server group id (or None).
    """

    def __init__(self, limits, groups):
        self.limits = limits
        self.groups = groups
        self.in_flight = {}      # server id -> Migration
        #: servers of in_flight that Nova was migrating before the plan
        #: (they count against the limits; the plan did not count on
        #: them leaving)
        self.unplanned = set()

    def blocked(self, migration, leaving=frozenset()):
        """Why ``migration`` may not start now, or None. ``leaving``: the
        source hosts of the moves before it in the plan that have not
        started yet."""
        if len(self.in_flight) >= self.limits.max_concurrent:
            return (f'{len(self.in_flight)} migration(s) in flight, limit '
                    f'{self.limits.max_concurrent}')
        off_source = sum(1 for m in self.in_flight.values()
                         if m.source == migration.source)
        if off_source >= self.limits.max_per_host:
            return (f'{off_source} migration(s) off {migration.source} in '
                    f'flight, limit {self.limits.max_per_host}')
        if self.limits.max_per_target:
            onto = sum(1 for m in self.in_flight.values()
                       if m.target == migration.target)
            if onto >= self.limits.max_per_target:
                return (f'{onto} migration(s) to {migration.target} in '
                        f'flight, limit {self.limits.max_per_target}')
        if migration.target in leaving or any(
                m.source == migration.target and s not in self.unplanned
                for s, m in self.in_flight.items()):
            return (f'a move off {migration.target} before it in the plan '
                    f'has not finished (it makes the room)')
        group = self.groups.get(migration.server)
        if group is not None:
            for other in self.in_flight.values():
                if self.groups.get(other.server) == group:
                    return (f'server {other.server} of the same group '
                            f'{group} is migrating')
        return None

    def startable(self, pending):
        """The pending migrations to start now, in plan order (each one
        counted as started before the next is judged)."""
        chosen = []
        leaving = set()
        for migration in pending:
            if self.blocked(migration, leaving) is None:
                self.start(migration)
                chosen.append(migration)
            else:
                leaving.add(migration.source)
        return chosen

    def start(self, migration, planned=True):
        self.in_flight[migration.server] = migration
        if not planned:
            self.unplanned.add(migration.server)

    def finish(self, migration):
        self.in_flight.pop(migration.server, None)
        self.unplanned.discard(migration.server)
