"""The ``nova-hotspot`` command: plan against a snapshot file.

Every error an operator can cause (a bad file, a bad option, an unknown
strategy) ends in one line on stderr and a non-zero exit, never a
traceback.
"""

import argparse
import json
import logging
import math
import os
import sys
import threading

try:
    import orjson  # writes the same text as json.dumps(indent=2), faster
except ImportError:   # pragma: no cover - requirements.txt installs it
    orjson = None

from nova_hotspot import apply as apply_mod
from nova_hotspot import compare
from nova_hotspot import exceptions
from nova_hotspot import plan_report
from nova_hotspot import plugins
from nova_hotspot import version
from nova_hotspot.actuators import limits as limits_mod
from nova_hotspot.core import defaults
from nova_hotspot.core import options
from nova_hotspot.core import snapshot
from nova_hotspot.core import validate

#: The threshold a host that gives none gets, unless the command line says.
DEFAULT_THRESHOLD = defaults.CPU_THRESHOLD

EXIT_USAGE = 2          # bad input or option: nothing was planned
EXIT_INVALID_PLAN = 3   # the strategy returned a plan the validator refused
EXIT_PIPE_CLOSED = 141  # the reader closed stdout early (128 + SIGPIPE),
                        # nothing printed on stderr


def finite(value):
    """``value`` (JSON-ready data) with every NaN or infinite float
    replaced by None: the output is always valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(data):
    """JSON text of ``data``, never containing NaN or Infinity.

    With an indent the standard library encodes in pure Python (about a
    tenth of a 10,000-host plan's time); orjson gives the same text."""
    data = finite(data)
    if orjson is not None:
        try:
            return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
        except TypeError:   # e.g. an integer beyond 64 bits
            pass
    return json.dumps(data, indent=2, allow_nan=False)


def _strategy_option(text):
    try:
        return options.parse_assignment(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'expected NAME=VALUE, got {text!r}') from None


def _threshold(text):
    problem = f'must be a number in {defaults.FRACTION_RANGE}, got {text!r}'
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(problem) from None
    if not defaults.is_fraction(value):
        raise argparse.ArgumentTypeError(problem)
    return value


def strategy_help():
    """``--strategy`` help naming the registered strategies."""
    return (f'planning strategy: '
            f'{", ".join(plugins.names(plugins.STRATEGIES))} '
            f'(default: {defaults.STRATEGY})')


def build_parser():
    parser = argparse.ArgumentParser(
        prog='nova-hotspot',
        description='Find hot compute hosts and plan live migrations.')
    parser.add_argument('--version', action='version',
                        version=f'%(prog)s {version.version_string()}')
    # openstack hotspot sets this to reach the cloud with its credentials.
    parser.set_defaults(connect=None)
    commands = parser.add_subparsers(dest='command', required=True,
                                     metavar='COMMAND')
    plan = commands.add_parser(
        'plan', help='plan migrations for a cluster snapshot',
        description=PLAN_DESCRIPTION)
    add_plan_arguments(plan)
    _format_argument(plan)
    plan.set_defaults(func=cmd_plan)
    snap = commands.add_parser(
        'snapshot', help='save a live cloud as a snapshot file',
        description=SNAPSHOT_DESCRIPTION)
    add_snapshot_arguments(snap)
    snap.set_defaults(func=cmd_snapshot)
    what_if = commands.add_parser(
        'compare', help='what each strategy would do with a snapshot',
        description=COMPARE_DESCRIPTION)
    add_compare_arguments(what_if)
    _format_argument(what_if)
    what_if.set_defaults(func=cmd_compare)
    approved = commands.add_parser(
        'apply', help='carry out a reviewed plan file',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=APPLY_DESCRIPTION, epilog=APPLY_EPILOG)
    add_apply_arguments(approved)
    approved.set_defaults(func=cmd_apply)
    return parser


PLAN_DESCRIPTION = ('Plan hotspot migrations for a snapshot (JSON, see '
                    'doc/snapshot-format.md) or a live cloud. Nothing is '
                    'moved.')
SNAPSHOT_DESCRIPTION = ('Collect a live cloud (hosts from Nova and '
                        'Placement, servers, server groups and roles) into '
                        'a snapshot in the core\'s format. Nothing is moved.')
COMPARE_DESCRIPTION = ('Plan a snapshot with every registered strategy and '
                       'compare the plans: hot hosts before and after, new '
                       'hot hosts, anti-affinity breaks, moves, data moved, '
                       'mis-migrations, utilisation spread, planning time; '
                       'each plan is also checked by the plan validator. '
                       'Nothing is moved.')


def add_plan_arguments(parser, clouds_yaml=True):
    """``plan``'s arguments (but the output format), shared with
    ``openstack hotspot plan`` (``clouds_yaml=False``: no ``--cloud``,
    openstackclient's own options say which cloud)."""
    parser.add_argument('--snapshot', metavar='FILE',
                        help='snapshot JSON file, or - for standard input')
    _live_arguments(parser, clouds_yaml)
    parser.add_argument('--strategy', default=defaults.STRATEGY,
                        help=strategy_help())
    _strategy_option_argument(
        parser, 'an option of the strategy, e.g. headroom=0.1 for cure '
                '(repeatable; see doc/strategies.md)')
    _threshold_arguments(parser)


def add_snapshot_arguments(parser, clouds_yaml=True):
    """``snapshot``'s arguments, shared with ``openstack hotspot
    snapshot``."""
    _live_arguments(parser, clouds_yaml)
    parser.add_argument('--output', '-o', default='-', metavar='FILE',
                        help='where to write it (default: standard output)')


APPLY_DESCRIPTION = (
    'Carry out a plan saved with `nova-hotspot plan --cloud NAME\n'
    '--format json > plan.json` and reviewed, through the agent\'s\n'
    'actuator, fresh re-checks and limits. A move whose facts\n'
    'changed since the plan (server gone, moved, not ACTIVE,\n'
    'pinned, in another group or role; target gone, disabled,\n'
    'down, quarantined, holding a member of the group, too full)\n'
    'is refused, with why; the rest are carried out.')
APPLY_EPILOG = (
    'exit codes:\n'
    '  0  every move carried out (with --dry-run: would be)\n'
    '  1  some moves refused as stale, skipped or failed\n'
    '  2  bad plan file or option: nothing done\n'
    '  3  the cloud could not be reached: nothing done\n'
    '  4  every move of the plan is stale: nothing done')


def add_apply_arguments(parser, clouds_yaml=True):
    """``apply``'s arguments, shared with ``openstack hotspot apply``."""
    parser.add_argument('plan_file', metavar='PLAN',
                        help='plan JSON file, or - for standard input')
    _live_arguments(parser, clouds_yaml)
    parser.add_argument('--dry-run', action='store_true',
                        help='re-check and report, move nothing (the '
                             '`log` actuator)')
    _threshold_arguments(parser)


def add_compare_arguments(parser):
    """``compare``'s arguments (but the output format), shared with
    ``openstack hotspot compare``."""
    parser.add_argument('--snapshot', required=True, metavar='FILE',
                        help='snapshot JSON file, or - for standard input')
    parser.add_argument('--strategy', action='append', dest='strategies',
                        metavar='NAME',
                        help='compare only this strategy (repeatable; '
                             'default: every registered one: '
                             f'{", ".join(plugins.names(plugins.STRATEGIES))}'
                             ')')
    _strategy_option_argument(
        parser, 'an option for the compared strategies that declare it, '
                'e.g. headroom=0.1 for cure (repeatable; see '
                'doc/strategies.md)')
    _threshold_arguments(parser)


def _format_argument(parser):
    parser.add_argument('--format', choices=('table', 'json'),
                        default='table', help='output (default: %(default)s)')


def _strategy_option_argument(parser, help_text):
    parser.add_argument('--strategy-option', type=_strategy_option,
                        action='append', default=[], metavar='NAME=VALUE',
                        help=help_text)


def _threshold_arguments(parser):
    for option, resource in (('--cpu-threshold', 'CPU'),
                             ('--mem-threshold', 'memory')):
        parser.add_argument(option, type=_threshold,
                            default=DEFAULT_THRESHOLD, metavar='FRACTION',
                            help=f'{resource} threshold of hosts that give '
                                 'none (default: %(default)s)')


def _live_arguments(parser, clouds_yaml=True):
    if clouds_yaml:
        parser.add_argument('--cloud', metavar='NAME',
                            help='collect this clouds.yaml cloud (admin) '
                                 'instead of reading a snapshot')
        credentials = 'and, without --cloud, its credentials'
    else:
        parser.set_defaults(cloud=None)
        credentials = 'not its credentials'
    parser.add_argument('--config-file', action='append', default=[],
                        metavar='FILE',
                        help=f'nova.conf-like file(s) with a [hotspot] '
                             f'group: its options ({credentials}) are '
                             f'used; repeatable')


def _live(args):
    """Whether ``args`` name a live cloud: ``--cloud``, ``--config-file``,
    or ``args.connect`` (set by ``openstack hotspot``: its own --os-*
    credentials)."""
    return bool(args.cloud or args.config_file or args.connect)


def _collect_live(args, cpu_threshold=None, mem_threshold=None):
    from nova_hotspot.agent import live  # needs the agent's libraries
    collection = live.collect(args.cloud, args.config_file, cpu_threshold,
                              mem_threshold, connect=args.connect)
    _warn(collection)
    return collection


def _warn(collection):
    """The collector's problems with the cloud's data, on stderr."""
    for problem in collection.problems:
        print(f'nova-hotspot: warning: {problem}', file=sys.stderr)


def snapshot_text(args):
    """The snapshot JSON of the live cloud ``args`` name (``snapshot``)."""
    if not _live(args):
        raise exceptions.ConfigError('snapshot: give --cloud NAME or '
                                     '--config-file FILE')
    collection = _collect_live(args)
    return json.dumps(snapshot.to_dict(collection.cluster), indent=1)


def write_output(text, path):
    """``text`` to standard output (``-``) or to the file ``path``."""
    if path == '-':
        print(text)
    else:
        try:
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text + '\n')
        except OSError as exc:
            raise exceptions.ConfigError(
                f'cannot write {path}: {exc}') from None


def cmd_snapshot(args):
    write_output(snapshot_text(args), args.output)
    return 0


def read_text(path, what, error, binary=False):
    """The text of file ``path`` (``-`` is standard input), or its bytes
    when ``binary``; ``error`` (an exception class) names it on
    failure."""
    try:
        if path == '-':
            return sys.stdin.read()
        if binary:
            with open(path, 'rb') as f:
                return f.read()
        with open(path, encoding='utf-8') as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f'{what} {path}: cannot read: {exc}') from None


def read_snapshot(path, cpu_threshold, mem_threshold):
    """Read and parse a snapshot file (``-`` is standard input)."""
    # Bytes: the loader decodes them as UTF-8 only when its fast parser
    # refuses them, and a 50 MB file is not held twice.
    text = read_text(path, 'snapshot', exceptions.InvalidSnapshot,
                     binary=True)
    try:
        return snapshot.loads(text, cpu_threshold, mem_threshold)
    except exceptions.InvalidSnapshot as exc:
        raise exceptions.InvalidSnapshot(f'{path}: {exc}') from None


def plan_cluster(args):
    """The cluster to plan and, for a live cloud, why each host that is no
    target is not one (None for a snapshot): from ``args.snapshot`` or
    ``args.cloud``/``args.config_file``, as ``plan`` takes them."""
    live = _live(args)
    if bool(args.snapshot) == bool(live):
        raise exceptions.ConfigError(
            'plan: give either --snapshot FILE or a live cloud '
            '(--cloud NAME and/or --config-file FILE)')
    if not live:
        return read_snapshot(args.snapshot, args.cpu_threshold,
                             args.mem_threshold), None
    collection = _collect_live(args, *_thresholds(args))
    not_targets = [{'host': f.name, 'reason': f.why_not_target}
                   for f in collection.hosts.values() if not f.target]
    return collection.cluster, not_targets


def plan_report_of(cluster, strategy_name, strategy_options=(),
                   not_targets=None):
    """Plan ``cluster`` with a strategy and validate the plan: the report
    (``plan_report.build``) and whether the validator accepted it."""
    strategy = plugins.load_strategy(strategy_name, **dict(strategy_options))
    plan = strategy.plan(cluster)
    violations = validate.validate_plan(cluster, plan)
    report = plan_report.build(cluster, plan, violations)
    if not_targets is not None:
        # A live cloud: why each host that is no target is not one (down,
        # disabled, excluded, quarantined after a failed migration...).
        report['not_targets'] = not_targets
    return report, not violations


def render_plan(report, output_format):
    """The text ``plan`` prints for ``report``: JSON or the table."""
    if output_format == 'json':
        return dumps(report)
    return plan_report.format_table(report)


def cmd_plan(args):
    cluster, not_targets = plan_cluster(args)
    report, valid = plan_report_of(cluster, args.strategy,
                                   args.strategy_option, not_targets)
    print(render_plan(report, args.format))
    return 0 if valid else EXIT_INVALID_PLAN


def compare_reports(args):
    """Every strategy ``args.strategies`` names (all when None) on the
    snapshot ``args.snapshot``: ``compare.StrategyReport``s, and whether
    each plan was made and accepted by the validator."""
    known = plugins.names(plugins.STRATEGIES)
    for name in args.strategies or ():
        if name not in known:
            raise exceptions.ConfigError(
                f'compare: --strategy {name}: no such strategy (known: '
                f'{", ".join(known)})')
    cluster = read_snapshot(args.snapshot, args.cpu_threshold,
                            args.mem_threshold)
    reports = compare.compare(cluster, args.strategies,
                              args.strategy_option)
    failed = any(r.metrics is None or r.metrics.violations for r in reports)
    return reports, not failed


def cmd_compare(args):
    reports, valid = compare_reports(args)
    if args.format == 'json':
        print(dumps(compare.to_json(reports)))
    else:
        print(compare.format_table(reports))
    return 0 if valid else EXIT_INVALID_PLAN


def _thresholds(args):
    """The thresholds of the command line for a live cloud: with
    --config-file they are [hotspot]'s (None), with only --cloud the
    command line's."""
    if args.config_file:
        return None, None
    return args.cpu_threshold, args.mem_threshold


def apply_plan(args):
    """Carry out the plan file ``args.plan_file`` on the live cloud
    ``args`` name (``apply``): the report lines and the exit code
    (``apply.EXIT_*``). ``args.dry_run`` (or ``[hotspot] dry_run``)
    re-checks and moves nothing."""
    if not _live(args):
        raise exceptions.ConfigError('apply: give --cloud NAME or '
                                     '--config-file FILE')
    moves = apply_mod.loads(
        read_text(args.plan_file, 'plan', exceptions.InvalidPlan),
        args.plan_file)
    from nova_hotspot.agent import live  # needs the agent's libraries
    try:
        conf, settings, cloud = live.open_cloud(
            args.cloud, args.config_file, *_thresholds(args),
            connect=args.connect)
        saved = live.restore_limits(settings, conf=conf)
        collection = live.collect_live(conf, settings, cloud, saved)
    except exceptions.CloudError as exc:
        _error(exc)
        return [], apply_mod.EXIT_CLOUD
    _warn(collection)
    stale = apply_mod.stale_moves(moves, collection)
    plan, _ = apply_mod.to_apply(moves, stale)
    dry_run = args.dry_run or settings.dry_run
    outcomes = []
    if plan.migrations:
        _log_progress()
        actuator = plugins.load(
            plugins.ACTUATORS, 'log' if dry_run else settings.actuator,
            limits=limits_mod.Limits.from_settings(settings))
        outcomes = actuator.execute(cloud, collection, plan, saved.cooldowns,
                                    threading.Event(), saved.quarantine)
    return (apply_mod.report_lines(args.plan_file, moves, stale, outcomes,
                                   dry_run),
            apply_mod.exit_code(moves, stale, outcomes))


def cmd_apply(args):
    lines, code = apply_plan(args)
    for line in lines:
        print(line)
    return code


def _log_progress():
    """The actuator's progress (requested, migrating, completed) on
    stderr while ``apply`` runs."""
    logger = logging.getLogger('nova_hotspot')
    if any(getattr(h, 'apply_progress', False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.apply_progress = True
    handler.setFormatter(logging.Formatter('nova-hotspot: %(message)s'))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _error(exc):
    print(f'nova-hotspot: error: {exc}', file=sys.stderr)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # e.g. `nova-hotspot plan ... | head -2`: end quietly; stdout goes
        # to /dev/null so the interpreter's final flush fails no more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    except exceptions.NovaHotspotError as exc:
        _error(exc)
        return EXIT_USAGE


if __name__ == '__main__':
    sys.exit(main())
