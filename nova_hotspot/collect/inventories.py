"""Inventories kept across cycles (pure): ``InventoryCache``.

Placement raises a resource provider's generation on every change of the
provider (its inventory, and also its allocations, traits and
aggregates), and one listing of the providers gives every generation. So
an inventory read at a generation still holds while the listing says that
generation: only providers whose generation moved are read again. That is
conservative (a new allocation makes a re-read) and never stale.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Split:
    """What one cycle needs: ``reused`` {provider: inventory} from the
    cache, ``to_read`` [provider] from Placement, in the order asked."""

    reused: dict
    to_read: list


class InventoryCache:
    """provider uuid -> (generation, inventory) of the last read."""

    def __init__(self):
        self._known = {}

    def __len__(self):
        return len(self._known)

    def split(self, providers, generations):
        """For ``providers`` (the hypervisors' provider uuids) and
        ``generations`` ({uuid: generation} of every provider Placement
        lists now): the inventories that still hold and the providers to
        read. A provider Placement does not list is in neither (it has no
        inventory); what the cache holds of providers no longer asked for
        is dropped."""
        wanted = set(providers)
        for uuid in [u for u in self._known if u not in wanted]:
            del self._known[uuid]
        reused, to_read = {}, []
        for uuid in providers:
            if uuid not in generations:
                self._known.pop(uuid, None)
                continue
            known = self._known.get(uuid)
            if known is not None and generations[uuid] is not None \
                    and known[0] == generations[uuid]:
                reused[uuid] = known[1]
            else:
                to_read.append(uuid)
        return Split(reused, to_read)

    def keep(self, provider, generation, inventory):
        """Remember ``inventory`` of ``provider`` read at ``generation``
        (None: Placement gave none; nothing is kept)."""
        if generation is None:
            self._known.pop(provider, None)
        else:
            self._known[provider] = (generation, inventory)
