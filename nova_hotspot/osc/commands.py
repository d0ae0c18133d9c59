"""``openstack hotspot plan|compare|snapshot|apply``.

Thin cliff/osc-lib wrappers around the functions of ``nova_hotspot.cli``:
the same arguments (but ``--cloud``: openstackclient's ``--os-cloud`` and
other --os-* options say which cloud; ``--format`` is osc's ``-f
table|json|yaml|value`` (and ``shell`` for a plan, ``csv`` for compare's
rows) with ``-c`` column selection), the same
plans, exit code 3 when the validator refuses a plan, and ``apply``'s
own exit codes. The fields and
columns are the keys of ``nova-hotspot ... --format json``, so ``-f json``
gives the same data.
"""

from osc_lib import exceptions as osc_exceptions
from osc_lib.cli import format_columns
from osc_lib.command import command

from nova_hotspot import cli
from nova_hotspot import compare
from nova_hotspot import exceptions


def _cell(value):
    """An osc-lib formattable value for a field of a JSON-ready report."""
    if isinstance(value, dict):
        return format_columns.DictColumn(value)
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, dict) for v in value):
            return format_columns.ListDictColumn(value)
        return format_columns.ListColumn(value)
    return value


class _HotspotCommand:
    """What the three commands share: errors as one line, and the live
    cloud reached with openstackclient's credentials."""

    # A plan of a snapshot file needs no cloud: the commands that read one
    # authenticate themselves (``_connect``), with the same --os-* options.
    auth_required = False

    def _connect(self, compute_api_version):
        from nova_hotspot.cloud import Cloud  # the agent's libraries
        return Cloud.from_options(self.app.options, compute_api_version)

    def _live(self, parsed_args, live_wanted=True):
        """Point the shared code at openstackclient's cloud."""
        parsed_args.connect = self._connect if live_wanted else None
        return parsed_args

    def run(self, parsed_args):
        self.invalid_plan = False
        try:
            code = super().run(parsed_args)
        except exceptions.NovaHotspotError as exc:
            raise osc_exceptions.CommandError(str(exc)) from None
        return cli.EXIT_INVALID_PLAN if self.invalid_plan else code


class PlanHotspot(_HotspotCommand, command.ShowOne):
    _description = cli.PLAN_DESCRIPTION + (
        ' Without --snapshot, the cloud of the --os-* options is read '
        '(admin rights).')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        cli.add_plan_arguments(parser, clouds_yaml=False)
        return parser

    def take_action(self, parsed_args):
        args = self._live(parsed_args, live_wanted=not parsed_args.snapshot)
        cluster, not_targets = cli.plan_cluster(args)
        report, valid = cli.plan_report_of(
            cluster, args.strategy, args.strategy_option, not_targets)
        self.invalid_plan = not valid
        report = cli.finite(report)
        return tuple(report), tuple(_cell(v) for v in report.values())


class CompareHotspot(_HotspotCommand, command.Lister):
    _description = cli.COMPARE_DESCRIPTION

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        cli.add_compare_arguments(parser)
        return parser

    def take_action(self, parsed_args):
        reports, valid = cli.compare_reports(parsed_args)
        self.invalid_plan = not valid
        rows = []
        for entry in cli.finite(compare.to_json(reports)):
            metrics = entry.pop('metrics') or {}
            rows.append({**entry, **metrics})
        columns = list(dict.fromkeys(k for row in rows for k in row))
        return columns, [[_cell(row.get(c)) for c in columns]
                         for row in rows]


class SnapshotHotspot(_HotspotCommand, command.Command):
    _description = cli.SNAPSHOT_DESCRIPTION + (
        ' The cloud is the one of the --os-* options (admin rights).')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        cli.add_snapshot_arguments(parser, clouds_yaml=False)
        return parser

    def take_action(self, parsed_args):
        args = self._live(parsed_args)
        cli.write_output(cli.snapshot_text(args), args.output)
        return 0


class ApplyHotspot(_HotspotCommand, command.Command):
    _description = cli.APPLY_DESCRIPTION.replace('\n', ' ') + (
        ' The cloud is the one of the --os-* options (admin rights). Exit '
        'codes as nova-hotspot apply: 0 every move carried out, 1 some '
        'refused as stale, skipped or failed, 2 bad plan file or option, 3 '
        'the cloud could not be reached, 4 every move stale.')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        cli.add_apply_arguments(parser, clouds_yaml=False)
        return parser

    def take_action(self, parsed_args):
        try:
            lines, code = cli.apply_plan(self._live(parsed_args))
        except exceptions.NovaHotspotError as exc:
            # apply's exit codes tell a bad plan file (2) from moves that
            # failed (1): keep them rather than osc's one error code.
            self.app.stderr.write(f'{exc}\n')
            return cli.EXIT_USAGE
        for line in lines:
            self.app.stdout.write(line + '\n')
        return code
