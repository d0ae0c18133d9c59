"""The one exception hierarchy of nova-hotspot.

Errors from libraries (stevedore, openstacksdk, keystoneauth, tooz) are
translated into these at the edge, so callers catch one family. This module
imports nothing outside the standard library: the pure planning core uses it.
"""


class NovaHotspotError(Exception):
    """Base of every error nova-hotspot raises on purpose.

    The message is a single line meant for an operator: it names the record
    or option at fault. Code that catches it prints the message, never a
    traceback.
    """


class InvalidSnapshot(NovaHotspotError):
    """A cluster snapshot is malformed or inconsistent."""


class PluginError(NovaHotspotError):
    """A strategy, usage source or actuator could not be loaded."""


class PluginNotFound(PluginError):
    """No plugin of that name is registered in the namespace."""


class ConfigError(NovaHotspotError):
    """An option has a value nova-hotspot cannot work with."""


class CloudError(NovaHotspotError):
    """The cloud could not be read or refused an action."""


class InvalidPlan(NovaHotspotError):
    """A plan file given to ``nova-hotspot apply`` is not a plan to carry
    out."""
