"""Gateway to Placement: the providers' generations and inventories."""

from openstack import exceptions as sdk_exc

from nova_hotspot.cloud import records
from nova_hotspot.cloud.translate import errors

#: Placement's base microversion has both calls and their fields.
MICROVERSION = '1.0'


class Inventories:
    def __init__(self, conn):
        self._conn = conn

    def generations(self):
        """provider uuid -> generation of every resource provider
        Placement knows (one call: Placement lists them all at once)."""
        with errors('listing Placement resource providers'):
            response = self._conn.placement.get(
                '/resource_providers', microversion=MICROVERSION)
            sdk_exc.raise_from_response(response)
            return {rp['uuid']: rp.get('generation')
                    for rp in response.json().get('resource_providers')
                    or ()}

    def of(self, provider_id):
        """(generation, {resource class: ``records.Inventory``}) of one
        resource provider, or None when Placement does not know it."""
        with errors(f'reading Placement inventory of {provider_id}'):
            response = self._conn.placement.get(
                f'/resource_providers/{provider_id}/inventories',
                microversion=MICROVERSION)
            if response.status_code == 404:
                return None
            sdk_exc.raise_from_response(response)
            body = response.json()
        return body.get('resource_provider_generation'), {
            rc: records.Inventory(total=inv.get('total'),
                                  reserved=inv.get('reserved'),
                                  allocation_ratio=inv.get(
                                      'allocation_ratio'))
            for rc, inv in (body.get('inventories') or {}).items()}

    def probe(self, what):
        """Read one resource provider (checks the Placement right)."""
        with errors(what):
            next(iter(self._conn.placement.resource_providers()), None)
