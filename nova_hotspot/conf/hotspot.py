"""The ``[hotspot]`` group: the agent's options and its keystoneauth
session/auth options.

The auth options are registered the standard way (as nova does for its
``[placement]`` group), so the agent authenticates like any OpenStack
service: ``auth_type = password``, ``auth_url``, ``username``, ... or
``auth_section = <another group>`` to reuse credentials from elsewhere in
nova.conf.

Options marked mutable are re-read when the agent receives SIGHUP. The
checked values the agent works with are ``conf.settings.Settings``.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from nova_hotspot.conf import prometheus as prometheus_conf
from nova_hotspot.conf import types
from nova_hotspot.conf import values
from nova_hotspot.conf.values import GROUP_NAME
from nova_hotspot.core import defaults
from nova_hotspot.core import options as strategy_options


def _group():
    # A new OptGroup per registration: oslo.config copies a registered
    # group shallowly, so one module-level group would share its options
    # (including keystoneauth's plugin options, registered once auth_type
    # is read) between every ConfigOpts of the process.
    return cfg.OptGroup(GROUP_NAME, title=_TITLE, help=_HELP)


_TITLE = 'nova-hotspot agent options'
_HELP = ('Find hot compute hosts and live-migrate servers off them. Read by '
         'nova-hotspot-agent (and nova-hotspot plan/snapshot --config-file). '
         'The keystoneauth options of this group say how the agent '
         'authenticates; it needs an admin (or equivalently privileged) '
         'user to list hypervisors, read Placement and live-migrate.')
hotspot_group = _group()

CAPACITY_MODES = (
    ('allocation', '(total - reserved) x allocation_ratio: what the '
                   'scheduler may place'),
    ('physical', 'total - reserved: the real hardware'),
)
INSTANCE_STORAGE_MODES = (
    ('local', 'each compute\'s own disk: a block migration copies local '
              'disks too'),
    ('shared', 'Ceph, NFS: only memory is copied'),
)
INTERFACES = (
    ('public', 'the public endpoints of the catalog'),
    ('internal', 'the internal endpoints'),
    ('admin', 'the admin endpoints'),
)

hotspot_opts = [
    cfg.BoolOpt('enabled', default=False, mutable=True,
                help='Run the collect -> detect -> plan -> act cycle. When '
                     'false the agent starts, logs that it is disabled and '
                     'idles until a SIGHUP turns it on.'),
    cfg.IntOpt('interval', default=300, min=1,
               help='Seconds between the starts of two cycles.'),
    cfg.StrOpt('strategy', default=defaults.STRATEGY, mutable=True,
               help='Planning strategy, a plugin name of the '
                    'nova_hotspot.strategies namespace: "cure" (cures '
                    'every curable hotspot with the least data moved, '
                    'several moves per host when needed), "paper" (the '
                    'paper\'s algorithm as written: one master per hot '
                    'host) or "volume" (Sandpiper\'s volume-to-size '
                    'rule).'),
    cfg.MultiStrOpt('strategy_options', default=[], mutable=True,
                    help='Options of the chosen strategy, one name=value '
                         'per line (repeat the option), e.g. for strategy '
                         'cure "strategy_options = headroom=0.1" and '
                         '"strategy_options = movable_roles=master,slave". '
                         'Strategy paper takes none; the strategies '
                         'documentation lists each strategy\'s options.'),
    cfg.StrOpt('usage_source', default='placement', mutable=True,
               help='Where server usage comes from, a plugin name of the '
                    'nova_hotspot.usage namespace: "placement" (each '
                    'server\'s allocation, i.e. its flavor), '
                    '"prometheus" (real use from Prometheus, two queries '
                    'per cycle; see the prometheus_* options) or '
                    '"diagnostics" (Nova server diagnostics: CPU time '
                    'between two polls, memory used; two calls per '
                    'server). With a real-use source set capacity = '
                    'physical.'),
    cfg.StrOpt('actuator', default='live_migrate', mutable=True,
               help='How plans are carried out, a plugin name of the '
                    'nova_hotspot.actuators namespace: "live_migrate" or '
                    '"log" (only logs what it would do).'),
    cfg.BoolOpt('dry_run', default=False, mutable=True,
                help='Plan and log, never migrate (uses the "log" actuator '
                     'whatever "actuator" says).'),
    cfg.Opt('cpu_threshold', type=types.Fraction(),
            default=defaults.CPU_THRESHOLD, mutable=True,
            help='Fraction of a host\'s CPU capacity its servers may use '
                 'before it is hot. An aggregate can override it, see '
                 'cpu_threshold_metadata_key.'),
    cfg.Opt('mem_threshold', type=types.Fraction(),
            default=defaults.MEM_THRESHOLD, mutable=True,
            help='Fraction of a host\'s memory capacity its servers may '
                 'use before it is hot. An aggregate can override it, see '
                 'mem_threshold_metadata_key.'),
    cfg.StrOpt('cpu_threshold_metadata_key', default='hotspot_cpu_threshold',
               mutable=True,
               help='Aggregate metadata key whose value (a fraction in '
                    '(0, 1]) overrides cpu_threshold for the aggregate\'s '
                    'hosts. A host in several such aggregates takes the '
                    'lowest value; a bad value is logged and ignored.'),
    cfg.StrOpt('mem_threshold_metadata_key', default='hotspot_mem_threshold',
               mutable=True,
               help='Aggregate metadata key overriding mem_threshold, like '
                    'cpu_threshold_metadata_key.'),
    cfg.IntOpt('hot_samples_required', default=defaults.HOT_SAMPLES_REQUIRED,
               min=1, mutable=True,
               help='k of "k of n": a host is acted on only when it was '
                    'hot in at least this many of the last '
                    'hot_samples_window cycles (Sandpiper\'s rule against '
                    'one-sample spikes; the default 2 of 3 ignores one '
                    'spike). 1 of 1 acts on every hot host at once, as the '
                    'paper does. The history survives restarts when '
                    'state_path or [coordination] backend_url is set.'),
    cfg.IntOpt('hot_samples_window', default=defaults.HOT_SAMPLES_WINDOW,
               min=1, mutable=True,
               help='n of "k of n": how many recent cycles are remembered; '
                    'must be >= hot_samples_required.'),
    cfg.StrOpt('capacity', default='allocation', choices=CAPACITY_MODES,
               mutable=True,
               help='Host capacity from Placement inventories: '
                    '"allocation" = (total - reserved) x allocation_ratio '
                    '(what the scheduler may place), "physical" = total - '
                    'reserved (the real hardware). With a usage source '
                    'that measures real use (prometheus, diagnostics) use '
                    '"physical": use never passes the physical size, so '
                    'with overcommit the allocation capacity hides every '
                    'hotspot.'),
    cfg.StrOpt('instance_storage', default='local',
               choices=INSTANCE_STORAGE_MODES, mutable=True,
               help='Where instance disks live, for the data a live '
                    'migration copies: "local" (each compute\'s own disk: '
                    'a block migration also copies the root disk of an '
                    'image-backed server, its ephemeral disk and swap) or '
                    '"shared" (Ceph, NFS: only memory is copied).'),
    cfg.StrOpt('role_metadata_key', default='hotspot_role', mutable=True,
               help='Server metadata key holding a server\'s role in its '
                    'business (its anti-affinity server group): "master" '
                    'or "slave".'),
    cfg.StrOpt('optout_metadata_key', default='hotspot_optout',
               mutable=True,
               help='Server metadata key; a server whose value is true '
                    '(true/yes/1/on) is never migrated by the agent.'),
    cfg.IntOpt('max_concurrent_migrations', default=1, min=1, mutable=True,
               help='Live migrations in flight at once, cloud-wide.'),
    cfg.IntOpt('max_migrations_per_host', default=1, min=1, mutable=True,
               help='Live migrations in flight at once off one source '
                    'host.'),
    cfg.IntOpt('max_incoming_migrations_per_host', default=0, min=0,
               mutable=True,
               help='Live migrations in flight at once onto one target '
                    'host. 0: no limit of its own (only '
                    'max_concurrent_migrations).'),
    cfg.IntOpt('max_migrations_per_cycle', default=5, min=0, mutable=True,
               help='Live migrations started per cycle at most (0: plan '
                    'only).'),
    cfg.IntOpt('cooldown', default=1800, min=0, mutable=True,
               help='Seconds after a migration attempt (successful or '
                    'not) during which the same server is not migrated '
                    'again; keeps servers from ping-ponging and refused '
                    'moves from being retried every cycle.'),
    cfg.IntOpt('target_quarantine', default=900, min=0, mutable=True,
               help='Seconds a host stays out of the target set after a '
                    'live migration to it failed, timed out or was given '
                    'up by Nova\'s conductor after accepting it (it is out '
                    'for the rest of that cycle in any case). Hosts whose '
                    'nova-compute is down or disabled are never targets '
                    'anyway.'),
    cfg.StrOpt('state_path',
               help='JSON file in which the agent keeps, across restarts, '
                    'the servers cooling down, the quarantined targets and '
                    'the hot-sample history (rewritten atomically after '
                    'every change), e.g. /var/lib/nova-hotspot/state.json. '
                    'Unset: that state lives in memory only. Missing or '
                    'corrupted: the agent starts empty (with one warning '
                    'when corrupted). nova-hotspot plan --config-file '
                    'reads it too.'),
    cfg.IntOpt('stuck_migration_grace', default=300, min=0, mutable=True,
               help='A live migration Nova still runs this many seconds '
                    'after migration_timeout is stuck: one ERROR per '
                    'cycle, counted in nova_hotspot_migrations_stuck; its '
                    'server, its group and both hosts stay pinned, but it '
                    'no longer counts against max_concurrent_migrations '
                    'and max_migrations_per_host.'),
    cfg.IntOpt('migration_timeout', default=600, min=1, mutable=True,
               help='Seconds to follow one live migration before it is '
                    'recorded as timed out.'),
    cfg.FloatOpt('migration_poll_interval', default=2.0, min=0.1,
                 mutable=True,
                 help='Seconds between polls of a migration in flight.'),
    cfg.FloatOpt('diagnostics_sample_seconds', default=5.0, min=0.1,
                 mutable=True,
                 help='usage_source=diagnostics: seconds between the two '
                      'polls whose CPU-time difference gives CPU use.'),
    cfg.ListOpt('excluded_hosts', default=[], mutable=True,
                help='Compute hosts (service host names) the agent never '
                     'migrates to or from; their load still counts.'),
    cfg.ListOpt('excluded_projects', default=[], mutable=True,
                help='Project ids whose servers are never migrated; their '
                     'load still counts.'),
    cfg.StrOpt('compute_api_version', default='2.88',
               help='Compute API microversion the agent speaks (at least '
                    '2.53: hypervisor ids are the Placement resource '
                    'provider uuids; 2.47: the flavor is embedded in '
                    'servers).'),
    cfg.IntOpt('placement_workers', default=8, min=1, max=64,
               mutable=True,
               help='Placement inventory reads in flight at once while '
                    'collecting (a bounded pool of threads). Inventories '
                    'are read only for resource providers whose '
                    'generation changed since the last cycle; Nova\'s '
                    'listings run meanwhile.'),
    cfg.PortOpt('metrics_port', default=0,
                help='TCP port of the Prometheus metrics endpoint '
                     '(http://metrics_host:metrics_port/metrics: cycles, '
                     'hot hosts, migrations by result, plans rejected by '
                     'the validator, cycle seconds). 0: no endpoint.'),
    cfg.StrOpt('metrics_host', default='127.0.0.1',
               help='Address the metrics endpoint binds to.'),
    cfg.StrOpt('region_name', help='Region of the endpoints to use.'),
    cfg.StrOpt('interface', default='public',
               choices=INTERFACES,
               help='Endpoint interface to use from the catalog.'),
]

MIN_COMPUTE_API_VERSION = (2, 53)


def source_opts():
    """Options of the usage sources, declared in their own modules and
    registered in ``[hotspot]`` too."""
    return list(prometheus_conf.prometheus_opts)


def register_opts(conf):
    group = _group()
    conf.register_group(group)
    conf.register_opts(hotspot_opts + source_opts(), group=group)
    ks_loading.register_session_conf_options(conf, GROUP_NAME)
    ks_loading.register_auth_conf_options(conf, GROUP_NAME)


def list_opts():
    return [(hotspot_group, hotspot_opts + source_opts() + _ks_opts())]


def _ks_opts():
    # The same set nova documents for [placement]: session options, the
    # auth_type/auth_section pair and the password plugin's options.
    opts = (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password'))
    seen = set()
    unique = []
    for opt in opts:
        if opt.dest not in seen:
            seen.add(opt.dest)
            unique.append(opt)
    return unique


def parse_strategy_options(lines):
    """``name=value`` lines -> ((name, value), ...); a later line for the
    same name wins, as in the config file."""
    options = {}
    for line in lines:
        try:
            name, value = strategy_options.parse_assignment(line)
        except ValueError:
            raise values.bad('strategy_options',
                       f'expected name=value, got {line!r}') from None
        options[name] = value
    return tuple(options.items())


