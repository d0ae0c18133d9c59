"""The ``[hotspot]`` options as one checked, plain ``Settings`` object
(the options themselves are declared in ``conf.hotspot``).

``load(conf)`` reads and checks every option; a bad value is one
``ConfigError`` line naming the option. The agent builds a fresh Settings
on SIGHUP and hands each plugin only its own typed options.
"""

import dataclasses

from nova_hotspot.conf.hotspot import MIN_COMPUTE_API_VERSION
from nova_hotspot.conf.hotspot import parse_strategy_options
from nova_hotspot.conf.values import bad as _bad
from nova_hotspot.conf.values import read as _get


@dataclasses.dataclass(frozen=True)
class Settings:
    """The ``[hotspot]`` options as plain, checked values.

    Built by ``load``; the agent builds a fresh one on SIGHUP.
    """

    enabled: bool
    interval: int
    strategy: str
    strategy_options: tuple   # ((name, value), ...) in file order
    usage_source: str
    actuator: str
    dry_run: bool
    cpu_threshold: float
    mem_threshold: float
    cpu_threshold_metadata_key: str
    mem_threshold_metadata_key: str
    hot_samples_required: int
    hot_samples_window: int
    capacity: str
    instance_storage: str
    role_metadata_key: str
    optout_metadata_key: str
    max_concurrent_migrations: int
    max_migrations_per_host: int
    max_incoming_migrations_per_host: int
    max_migrations_per_cycle: int
    cooldown: int
    target_quarantine: int
    state_path: str | None
    migration_timeout: int
    stuck_migration_grace: int
    migration_poll_interval: float
    diagnostics_sample_seconds: float
    excluded_hosts: frozenset
    excluded_projects: frozenset
    placement_workers: int
    compute_api_version: str
    metrics_port: int
    metrics_host: str
    region_name: str | None
    interface: str


def load(conf):
    """Read and check every ``[hotspot]`` option; return ``Settings``.

    Any bad value raises ``exceptions.ConfigError`` with one line naming
    the option, never an oslo.config traceback.
    """
    values = {}
    for field in dataclasses.fields(Settings):
        values[field.name] = _get(conf, field.name)
    for name in ('strategy', 'usage_source', 'actuator', 'role_metadata_key',
                 'optout_metadata_key', 'cpu_threshold_metadata_key',
                 'mem_threshold_metadata_key'):
        if not values[name] or not values[name].strip():
            raise _bad(name, 'must not be empty')
    if values['hot_samples_required'] > values['hot_samples_window']:
        raise _bad('hot_samples_required',
                   f"must not exceed hot_samples_window "
                   f"({values['hot_samples_window']}), got "
                   f"{values['hot_samples_required']}")
    values['strategy_options'] = parse_strategy_options(
        values['strategy_options'])
    values['compute_api_version'] = _microversion(
        values['compute_api_version'])
    values['excluded_hosts'] = frozenset(
        h.strip() for h in values['excluded_hosts'] if h.strip())
    values['excluded_projects'] = frozenset(
        p.strip() for p in values['excluded_projects'] if p.strip())
    return Settings(**values)


def _microversion(text):
    try:
        major, minor = (int(p) for p in text.strip().split('.'))
    except (ValueError, AttributeError):
        raise _bad('compute_api_version',
                   f'must look like 2.88, got {text!r}') from None
    if (major, minor) < MIN_COMPUTE_API_VERSION:
        raise _bad('compute_api_version',
                   f'must be at least 2.53, got {text!r}')
    return f'{major}.{minor}'
