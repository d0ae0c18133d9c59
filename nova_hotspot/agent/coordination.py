"""Leader election between nova-hotspot agents (tooz).

Only the leader plans and migrates, so two agents never start migrations at
the same time. Leadership is a tooz lock with a time to live (the backend's
lock timeout, e.g. ``redis://...?timeout=10``): a keeper thread takes it,
or extends it, every third of that time. The agent believes it leads only
until two thirds of the time to live after the start of its last
successful take or extension; the lock cannot pass to another agent before
the whole time to live is over, so the two windows never overlap.
``is_leader()`` is asked before every cycle and before each migration. A
dead leader's lock expires after the time to live; a standby agent takes it
at its next attempt, so a takeover happens within 4/3 of the time to live.

Without a backend the agent is alone: ``Solo.is_leader()`` is always true.
"""

import importlib.metadata
import logging
import os
import socket
import threading
import time
import urllib.parse

from tooz import coordination

from nova_hotspot import exceptions

LOG = logging.getLogger(__name__)

#: tooz's own default lock time to live, for drivers that do not say.
DEFAULT_TTL = 30.0

#: Query parameters of a backend URL whose values are never shown.
_SECRET_PARAMS = ('password', 'secret', 'token', 'key')


def mask_url(url):
    """``url`` with its password (user info and password-like query
    parameters) replaced by ``***``, for messages and logs."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return '<unparsable URL>'
    netloc = parts.netloc
    if '@' in netloc:
        userinfo, _, hostport = netloc.rpartition('@')
        user, sep, _password = userinfo.partition(':')
        netloc = f'{user}{":***" if sep else ""}@{hostport}'
    query = '&'.join(
        f'{name}=***' if any(s in name.lower() for s in _SECRET_PARAMS)
        else (f'{name}={value}' if value or '=' in pair else name)
        for pair in parts.query.split('&') if pair
        for name, _, value in [pair.partition('=')])
    return urllib.parse.urlunsplit(
        (parts.scheme, netloc, parts.path, query, parts.fragment))


def backends():
    """The tooz backends installed (URL schemes), sorted."""
    return sorted({ep.name for ep in
                   importlib.metadata.entry_points(group='tooz.backends')})


def start_timeout(url):
    """Seconds the backend may take to answer at start: the URL's
    ``timeout`` parameter (the one tooz's drivers read), else
    DEFAULT_TTL."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    try:
        value = float(query.get('timeout', [DEFAULT_TTL])[-1])
    except ValueError:
        raise exceptions.ConfigError(
            f'[coordination] backend_url: timeout must be a number of '
            f'seconds, got {query["timeout"][-1]!r} in '
            f'{mask_url(url)}') from None
    if not value > 0:
        raise exceptions.ConfigError(
            f'[coordination] backend_url: timeout must be > 0, got '
            f'{value:g} in {mask_url(url)}')
    return value


def check_backend_url(url):
    """ConfigError (one line, credentials masked) unless ``url`` names an
    installed tooz backend and a valid timeout."""
    scheme = urllib.parse.urlsplit(url).scheme if '://' in url else ''
    known = backends()
    if scheme not in known:
        raise exceptions.ConfigError(
            f'[coordination] backend_url: unknown tooz backend '
            f'{scheme or url.split(":")[0]!r} in {mask_url(url)} (known: '
            f'{", ".join(known)})')
    start_timeout(url)


def join(backend_url, member_id):
    """A started tooz coordinator on ``backend_url``; CloudError (one line
    naming the masked URL) when it fails or does not answer within the
    URL's timeout (a driver's own retries can take minutes)."""
    url = mask_url(backend_url)
    timeout = start_timeout(backend_url)
    outcome = {}

    def start():
        try:
            coordinator = coordination.get_coordinator(
                backend_url, member_id.encode())
            coordinator.start()
            outcome['coordinator'] = coordinator
        except Exception as exc:  # noqa: BLE001 - any driver error
            outcome['error'] = exc

    thread = threading.Thread(target=start, daemon=True,
                              name='hotspot-coordination-start')
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise exceptions.CloudError(
            f'[coordination] backend_url: no answer from {url} within '
            f'{timeout:g}s (the URL\'s timeout)')
    if 'error' in outcome:
        exc = outcome['error']
        detail = ' '.join(str(exc).split()).replace(backend_url, url)
        password = urllib.parse.urlsplit(backend_url).password
        if password:
            detail = detail.replace(password, '***')
        raise exceptions.CloudError(
            f'[coordination] backend_url: cannot reach {url}: '
            f'{type(exc).__name__}: {detail}') from exc
    return outcome['coordinator']


class Solo:
    """No coordination backend: this agent is the only one."""

    member_id = None
    scheme = group = coordinator = None

    def start(self):
        pass

    def stop(self):
        pass

    def is_leader(self):
        return True


class Leadership:
    """A leader lock on a tooz backend, kept fresh by a thread."""

    def __init__(self, backend_url, group, member_id=None,
                 clock=time.monotonic):
        self.member_id = (member_id
                          or f'{socket.gethostname()}:{os.getpid()}')
        self.lock_name = f'{group}-leader'.encode()
        self.group = group
        #: the backend's URL scheme (its tooz driver)
        self.scheme = urllib.parse.urlsplit(backend_url).scheme
        self._backend_url = backend_url
        self._clock = clock
        self._coordinator = None
        self._lock = None
        self._holding = False
        self._valid_until = 0.0
        self._stopped = threading.Event()
        self._thread = None
        self._was_leader = None
        self.ttl = DEFAULT_TTL

    def start(self):
        """Join the backend; CloudError (one line naming the masked URL)
        when it fails or does not answer within the URL's timeout (a
        driver's own retries can take minutes)."""
        coordinator = join(self._backend_url, self.member_id)
        self._coordinator = coordinator
        self._lock = coordinator.get_lock(self.lock_name)
        self.ttl = float(getattr(self._coordinator, 'lock_timeout', None)
                         or DEFAULT_TTL)
        self._keep()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='hotspot-leadership')
        self._thread.start()
        LOG.info('coordination: %s competes for %s (lock time to live '
                 '%.0fs)', self.member_id, self.lock_name.decode(),
                 self.ttl)

    def _run(self):
        while not self._stopped.wait(self.ttl / 3.0):
            self._keep()

    def _keep(self):
        """Take or extend the lock once; remember until when it is ours."""
        started = self._clock()
        try:
            if self._holding:
                ok = self._lock.heartbeat()
            else:
                ok = self._lock.acquire(blocking=False)
        except Exception as exc:  # any driver error means: not ours
            LOG.warning('coordination: lock refresh failed: %s', exc)
            ok = False
        self._holding = bool(ok)
        self._valid_until = started + self.ttl * 2.0 / 3.0 if ok else 0.0

    @property
    def coordinator(self):
        """The started tooz coordinator (None before ``start()`` or after
        ``stop()``): the agent's state is kept through it
        (``state_backends``)."""
        return self._coordinator

    def is_leader(self):
        """Whether this agent may start work now. Never raises."""
        leading = self._holding and self._clock() < self._valid_until
        if leading != self._was_leader:
            LOG.info('coordination: %s is %s', self.member_id,
                     'the leader' if leading else 'standing by')
            self._was_leader = leading
        return leading

    def stop(self):
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        if self._coordinator is None:
            return
        try:
            if self._holding:
                self._lock.release()
            self._coordinator.stop()
        except Exception as exc:
            LOG.warning('coordination: leaving failed: %s', exc)
        self._holding = False
        self._coordinator = None


def from_conf(conf):
    """Solo or Leadership, from the ``[coordination]`` options."""
    options = conf.coordination
    if not options.backend_url:
        return Solo()
    check_backend_url(options.backend_url)
    return Leadership(options.backend_url, options.group, options.member_id)
