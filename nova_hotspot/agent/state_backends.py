"""The agent's state in the coordination backend (issue 11 item 3): with
``[coordination] backend_url`` the cooldowns, quarantines and hot-sample
history are one JSON document per coordination group in the backend the
agents elect their leader on, so a standby that takes over knows them (it
re-reads the document each time it becomes the leader).

The document (``state.dump``'s format) is stored under the key
``nova-hotspot/<group>/state``, through the connection tooz opened from
the URL (so every option of the URL -- credentials, TLS, a Redis
sentinel -- applies to it as to the leader lock):

- ``redis://``: one string key (SET / GET) on tooz's Redis client;
- ``etcd3+http://``, ``etcd3+https://``: one etcd key (put / range) on
  tooz's etcd3gw client (the gateway API tooz's etcd3gw driver speaks).

Other tooz backends hold no state: the agent then keeps it in
``[hotspot] state_path`` (or in memory), with one warning at start.
"""

import json
import logging

from nova_hotspot.agent import state as state_mod

LOG = logging.getLogger(__name__)

#: URL schemes whose backend can hold the state.
SCHEMES = ('redis', 'etcd3+http', 'etcd3+https')


def key(group):
    return f'nova-hotspot/{group}/state'


class BackendStore:
    """The state as one value in a key-value backend; ``get()`` returns the
    bytes stored (None: nothing), ``put(bytes)`` stores them. Errors of
    the backend become BadState on load and one warning on save."""

    def __init__(self, name, get, put):
        self.name = name
        self._get = get
        self._put = put
        self._warned_write = False

    def __str__(self):
        return self.name

    def load(self):
        try:
            raw = self._get()
        except Exception as exc:  # noqa: BLE001 - any client error
            raise state_mod.BadState(
                f'cannot read: {type(exc).__name__}: {exc}') from None
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise state_mod.BadState(f'not JSON: {exc}') from None

    def save(self, data):
        text = json.dumps(data, allow_nan=False).encode()
        try:
            self._put(text)
        except Exception as exc:  # noqa: BLE001 - any client error
            if not self._warned_write:
                LOG.warning('state: cannot write to %s: %s: %s (the agent '
                            'keeps its state in memory)', self,
                            type(exc).__name__, exc)
                self._warned_write = True
            return False
        self._warned_write = False
        return True


def for_coordinator(coordinator, scheme, group):
    """The BackendStore on a started tooz ``coordinator`` of URL
    ``scheme``, or None when that backend holds no state."""
    name = key(group)
    if scheme == 'redis':
        # tooz's RedisDriver keeps its client (built from every option of
        # the URL) in _client; the state shares it.
        client = coordinator._client
        return BackendStore(f'redis key {name}', lambda: client.get(name),
                            lambda value: client.set(name, value))
    if scheme in ('etcd3+http', 'etcd3+https'):
        client = coordinator.client

        def get():
            values = client.get(name)
            return values[0] if values else None
        return BackendStore(f'etcd key {name}', get,
                            lambda value: client.put(name, value))
    return None
