"""Gateway to Placement traits: which providers carry some traits, and a
change of a few traits on one provider that leaves every other trait as
it is and is safe against concurrent writers (nova-compute rewrites its
provider's traits too).

Placement replaces a provider's whole trait list on write
(``PUT /resource_providers/{uuid}/traits``) and refuses a write whose
``resource_provider_generation`` is not the provider's current one (409).
So ``change`` reads the list and generation, adds and removes only the
traits it is asked to, writes with that generation, and on 409 reads
again and retries; it writes nothing when the provider already says so.
"""

import urllib.parse

import openstack.exceptions as sdk_exc

from nova_hotspot import exceptions
from nova_hotspot.cloud.translate import errors

#: Traits (1.6) and ``required=`` on /resource_providers (1.18).
MICROVERSION = '1.18'
#: Attempts of one change against concurrent writers (409).
ATTEMPTS = 5


class Traits:
    def __init__(self, conn, attempts=ATTEMPTS):
        self._conn = conn
        self.attempts = attempts

    def _call(self, what, method, url, **kwargs):
        with errors(what):
            resp = self._conn.placement.request(
                url, method, microversion=MICROVERSION, raise_exc=False,
                **kwargs)
            if resp.status_code >= 400 and resp.status_code not in (
                    404, 409) and not _no_such_trait(resp):
                sdk_exc.raise_from_response(resp)
            return resp

    def ensure(self, names):
        """Create the custom traits ``names`` (those that exist stay)."""
        for name in names:
            self._call(f'creating trait {name} in Placement', 'PUT',
                       f'/traits/{urllib.parse.quote(name)}')

    def carrying(self, names):
        """provider uuid -> frozenset of the traits of ``names`` it
        carries, for every provider carrying any (one read per name; a
        trait Placement does not know is carried by none)."""
        result = {}
        for name in names:
            resp = self._call(
                f'listing resource providers with trait {name}', 'GET',
                '/resource_providers?' + urllib.parse.urlencode(
                    {'required': name}))
            if resp.status_code != 200:     # 400 no such trait
                continue
            for rp in resp.json()['resource_providers']:
                result.setdefault(rp['uuid'], set()).add(name)
        return {uuid: frozenset(found) for uuid, found in result.items()}

    def read(self, provider):
        """(frozenset of traits, generation) of ``provider``, or None when
        Placement does not know it."""
        resp = self._call(f'reading the traits of resource provider '
                          f'{provider}', 'GET',
                          f'/resource_providers/{provider}/traits')
        if resp.status_code == 404:
            return None
        body = resp.json()
        return frozenset(body['traits']), body['resource_provider_generation']

    def write(self, provider, traits, generation):
        """Replace ``provider``'s traits if its generation still is
        ``generation``: True written, False someone else wrote first
        (409), None the provider is gone."""
        resp = self._call(
            f'writing the traits of resource provider {provider}', 'PUT',
            f'/resource_providers/{provider}/traits',
            json={'traits': sorted(traits),
                  'resource_provider_generation': generation})
        if resp.status_code == 404:
            return None
        if resp.status_code == 409:
            return False
        if resp.status_code == 400:         # a trait of ours was deleted
            raise exceptions.CloudError(
                f'writing the traits of resource provider {provider}: '
                f'HTTP 400: {" ".join(resp.text.split())[:200]}')
        return True

    def change(self, provider, add=(), remove=()):
        """Add ``add`` and remove ``remove`` on ``provider``, every other
        trait kept. True when Placement was changed, False when it already
        said so, None when the provider is gone; CloudError when Placement
        fails, or when ``attempts`` writes in a row lost to a concurrent
        writer."""
        add, remove = frozenset(add), frozenset(remove)
        for _ in range(self.attempts):
            current = self.read(provider)
            if current is None:
                return None
            traits, generation = current
            wanted = (traits - remove) | add
            if wanted == traits:
                return False
            written = self.write(provider, wanted, generation)
            if written is None:
                return None
            if written:
                return True
        raise exceptions.CloudError(
            f'writing the traits of resource provider {provider}: '
            f'{self.attempts} concurrent updates in a row (HTTP 409), '
            f'giving up until the next cycle')


def _no_such_trait(resp):
    return resp.status_code == 400 and 'No such trait' in resp.text
