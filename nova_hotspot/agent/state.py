"""State that survives a restart: cooldowns, target quarantines and the
k-of-n hot history.

Without it an agent that restarts (crash loop, upgrade) forgets them: it
may move the same server again at once and needs k fresh hot samples
before acting. ``[hotspot] state_path`` names a JSON file, rewritten
atomically (a temporary file in the same directory, fsync, rename) after
every change. A missing file starts empty; an unreadable or corrupted one
starts empty with one warning; a failing write is a warning (the agent
keeps working from memory), never a crash.

The format (``version`` 1)::

    {"version": 1, "saved_at": <unix time>,
     "cooldowns": {"<server id>": [<unix time of the attempt>, "<result>"]},
     "quarantine": [["<host>", <until, unix time>, "<why>"]],
     "history": [["<hot host>", ...], ...]}     # oldest sample first
"""

import json
import logging
import math
import os
import tempfile
import threading

LOG = logging.getLogger(__name__)

VERSION = 1


class BadState(ValueError):
    """The saved state does not have the documented shape."""


def dump(cooldowns, quarantine, history, now):
    """The JSON-ready state of the three holders."""
    return {'version': VERSION, 'saved_at': now,
            'cooldowns': {s: [when, result]
                          for s, (when, result) in cooldowns.items(now)
                          .items()},
            'quarantine': [[h, until, why]
                           for h, until, why in quarantine.items()],
            'history': [sorted(sample) for sample in history.samples()]}


def _time(value, what):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise BadState(f'{what}: not a time: {value!r}')
    return float(value)


def _text(value, what):
    if not isinstance(value, str):
        raise BadState(f'{what}: not a string: {value!r}')
    return value


def parse(data):
    """(cooldowns, quarantine, history) from ``dump``'s data, checked:
    BadState naming the first bad part."""
    if not isinstance(data, dict) or data.get('version') != VERSION:
        raise BadState(f'not a version {VERSION} state object')
    cooldowns = {}
    raw = data.get('cooldowns', {})
    if not isinstance(raw, dict):
        raise BadState('cooldowns: not an object')
    for server, entry in raw.items():
        if not isinstance(entry, list) or len(entry) != 2:
            raise BadState(f'cooldowns[{server!r}]: not [time, result]')
        cooldowns[server] = (_time(entry[0], f'cooldowns[{server!r}]'),
                             _text(entry[1], f'cooldowns[{server!r}]'))
    quarantine = []
    raw = data.get('quarantine', [])
    if not isinstance(raw, list):
        raise BadState('quarantine: not a list')
    for i, entry in enumerate(raw):
        if not isinstance(entry, list) or len(entry) != 3:
            raise BadState(f'quarantine[{i}]: not [host, until, why]')
        quarantine.append((_text(entry[0], f'quarantine[{i}]'),
                           _time(entry[1], f'quarantine[{i}]'),
                           _text(entry[2], f'quarantine[{i}]')))
    history = []
    raw = data.get('history', [])
    if not isinstance(raw, list):
        raise BadState('history: not a list')
    for i, sample in enumerate(raw):
        if not isinstance(sample, list):
            raise BadState(f'history[{i}]: not a list of hosts')
        history.append([_text(h, f'history[{i}]') for h in sample])
    return cooldowns, quarantine, history


class FileStore:
    """The state in one JSON file, written atomically."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._warned_write = False

    def __str__(self):
        return f'file {self.path}'

    def load(self):
        """The saved data, or None when there is none. Raises BadState
        (unreadable, not JSON, wrong shape)."""
        try:
            with open(self.path, encoding='utf-8') as f:
                text = f.read()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadState(f'cannot read: {exc}') from None
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise BadState(f'not JSON: {exc}') from None

    def save(self, data):
        """Write ``data``; a failure is one warning (repeated only after a
        write succeeded again), never an exception."""
        text = json.dumps(data, allow_nan=False)
        directory = os.path.dirname(os.path.abspath(self.path))
        with self._lock:
            try:
                os.makedirs(directory, exist_ok=True)
                fd, tmp = tempfile.mkstemp(
                    prefix='.' + os.path.basename(self.path) + '.',
                    dir=directory)
                try:
                    with os.fdopen(fd, 'w', encoding='utf-8') as f:
                        f.write(text)
                        f.flush()
                        os.fsync(f.fileno())
                    os.replace(tmp, self.path)
                except BaseException:
                    try:
                        os.unlink(tmp)
                    except OSError:
                        pass
                    raise
            except OSError as exc:
                if not self._warned_write:
                    LOG.warning('state: cannot write %s: %s (the agent '
                                'keeps its state in memory)', self.path,
                                exc)
                    self._warned_write = True
                return False
            self._warned_write = False
            return True


class Persistence:
    """Ties the agent's cooldowns, quarantine and hot history to a store
    (``FileStore``, or ``state_backends.BackendStore`` in the coordination
    backend; None: not there yet, nothing is saved): ``restore()`` at start
    or on becoming the leader, ``save()`` after every change."""

    def __init__(self, store, cooldowns, quarantine, history, clock):
        self.store = store
        self.cooldowns = cooldowns
        self.quarantine = quarantine
        self.history = history
        self.clock = clock

    def restore(self):
        """Load the saved state into the holders; missing or bad state
        starts empty (bad: one warning). Cooldowns and quarantines merge
        with those held (the later wins); the saved history replaces the
        one held. Returns what was restored, as (cooldowns, quarantined
        hosts, history samples) counts."""
        if self.store is None:
            return (0, 0, 0)
        try:
            data = self.store.load()
            if data is None:
                LOG.info('state: no saved state in %s; starting empty',
                         self.store)
                return (0, 0, 0)
            cooldowns, quarantine, history = parse(data)
        except BadState as exc:
            LOG.warning('state: ignoring the saved state in %s (%s); '
                        'starting empty', self.store, exc)
            return (0, 0, 0)
        now = self.clock()
        self.cooldowns.restore(cooldowns)
        self.quarantine.restore(quarantine, now)
        self.history.reset(history)
        counts = (len(self.cooldowns.pins(now)),
                  len(self.quarantine.hosts(now)), len(self.history))
        LOG.info('state: restored from %s: %d server(s) cooling down, %d '
                 'target(s) quarantined, %d hot sample(s)', self.store,
                 *counts)
        return counts

    def save(self):
        if self.store is None:
            return
        self.store.save(dump(self.cooldowns, self.quarantine, self.history,
                             self.clock()))
