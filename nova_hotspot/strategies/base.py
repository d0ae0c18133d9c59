"""The contract every planning strategy fulfils."""

import abc


class Strategy(abc.ABC):
    """Turns a cluster snapshot into a migration plan.

    A strategy never touches the cloud: safety limits (dry run, concurrency,
    cooldown) belong to the actuator, and every plan is checked by
    ``nova_hotspot.core.validate.validate_plan`` before anything moves.
    """

    #: The short, user-visible plugin name (the entry point's name).
    name = None

    #: The strategy's options (``core.options.Option``), declared once:
    #: they drive parsing, errors and the docs. None by default: a strategy
    #: without options takes no keyword arguments.
    OPTIONS = ()

    @abc.abstractmethod
    def plan(self, cluster, sources=None):
        """Return a ``nova_hotspot.core.plan.Plan`` for ``cluster``.

        ``sources`` is the set of host names the plan may act on (e.g. the
        hosts hot in k of the last n samples, see core/history.py); None
        means every hot host. A hot host outside ``sources`` is left as it
        is and reported as unresolved.
        """


#: Why a hot host outside ``sources`` is left hot.
NOT_A_SOURCE = ('hot now, but not a source this cycle (not hot in enough of '
                'the recent samples)')


def actionable(cluster, sources):
    """Per host position, whether a plan may move servers off it: every host
    when ``sources`` is None, else the hosts named in ``sources`` (names not
    in the snapshot are ignored: hosts come and go between samples)."""
    if sources is None:
        return [True] * len(cluster.hosts)
    allowed = set(sources)
    return [h.name in allowed for h in cluster.hosts]
