"""The one public way to load nova-hotspot plugins by name.

nova-hotspot owns its namespaces; plugin names are short and user-visible
(``paper``, ``placement``, ``live_migrate``...). stevedore stays behind this
module: a name that is not registered, or a plugin that fails to import or
to start, raises ``exceptions.PluginError`` naming the namespace and the
plugin, never a log line and a silent fallback.
"""

import importlib.metadata

from stevedore import driver

from nova_hotspot import exceptions

STRATEGIES = 'nova_hotspot.strategies'
USAGE_SOURCES = 'nova_hotspot.usage'
ACTUATORS = 'nova_hotspot.actuators'


def names(namespace):
    """The registered plugin names of a namespace, sorted (without
    importing them: a broken plugin is still listed, and fails when
    loaded)."""
    return sorted({ep.name for ep in
                   importlib.metadata.entry_points(group=namespace)})


def load(namespace, name, **kwargs):
    """Load and instantiate plugin ``name`` of ``namespace`` with kwargs."""

    def failed(_manager, entrypoint, exc):
        # stevedore reports the plugin's constructor errors here too: a
        # plugin refusing its options already says which one.
        if isinstance(exc, exceptions.NovaHotspotError):
            raise exc
        raise exceptions.PluginError(
            f'{namespace}: plugin {entrypoint.name!r} failed to load: '
            f'{type(exc).__name__}: {exc}') from exc

    known = names(namespace)
    if name not in known:
        # Checked here rather than through stevedore's NoMatches, which
        # also logs a warning of its own.
        raise exceptions.PluginNotFound(
            f'{namespace}: no plugin named {name!r} '
            f'(known: {", ".join(known) or "none"})')
    try:
        manager = driver.DriverManager(
            namespace, name, invoke_on_load=True, invoke_kwds=kwargs,
            on_load_failure_callback=failed)
    except exceptions.NovaHotspotError:
        # Already names what is wrong: a load failure, or a plugin's own
        # refusal of its options.
        raise
    except Exception as exc:
        # Raised by the plugin's constructor (invoke_on_load).
        raise exceptions.PluginError(
            f'{namespace}: plugin {name!r} failed to start: '
            f'{type(exc).__name__}: {exc}') from exc
    return manager.driver


def load_strategy(name, **options):
    """A planning strategy by name, e.g. ``load_strategy('paper')``."""
    return load(STRATEGIES, name, **options)
