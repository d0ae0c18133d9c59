"""Gateway to Placement: inventories of resource providers."""

from nova_hotspot.cloud import records
from nova_hotspot.cloud.translate import errors
from nova_hotspot.cloud.translate import none_if_missing


class Inventories:
    def __init__(self, conn):
        self._conn = conn

    def of(self, provider_id):
        """resource class -> ``records.Inventory`` of one resource
        provider, or None when Placement does not know the provider."""
        return none_if_missing(
            f'reading Placement inventory of {provider_id}',
            lambda: {inv.resource_class: records.Inventory(
                total=inv.total, reserved=inv.reserved,
                allocation_ratio=inv.allocation_ratio)
                for inv in self._conn.placement.resource_provider_inventories(
                    provider_id)})

    def probe(self, what):
        """Read one resource provider (checks the Placement right)."""
        with errors(what):
            next(iter(self._conn.placement.resource_providers()), None)
