"""``nova-hotspot-agent``: the periodic service.

    nova-hotspot-agent --config-file /etc/nova/nova.conf [--config-file ...]

Runs ``Agent.run_once`` every ``[hotspot] interval`` seconds with
futurist periodics, logging through oslo.log. SIGTERM/SIGINT: no new
migration starts, those in flight are followed to their end or timeout,
then the process exits 0. SIGHUP: the config files are re-read and the
mutable options take effect. A bad config ends the start with one line
naming the option (exit 2).
"""

import signal
import sys
import threading

from futurist import periodics
from oslo_config import cfg
from oslo_log import log as logging

from nova_hotspot import conf as hotspot_conf
from nova_hotspot import exceptions
from nova_hotspot import version
from nova_hotspot.agent import cycle
from nova_hotspot.conf import unknown as unknown_conf

LOG = logging.getLogger(__name__)

#: Exit codes (README "The agent in nova.conf", doc/agent.md).
EXIT_OK = 0             # --once: the cycle ran, no host left hot
EXIT_CYCLE_FAILED = 1   # --once: the cycle failed (cloud, usage source...)
EXIT_CONFIG = 2         # bad configuration or start: nothing ran
EXIT_PLAN_REFUSED = 3   # --once: the validator refused the plan
EXIT_LEFT_HOT = 4       # --once: the cycle ran, host(s) are left hot

cli_opts = [
    cfg.BoolOpt('once', default=False,
                help='Run one cycle (even if [hotspot] enabled is false) '
                     'and exit: 0 when no host is left hot, 1 when the '
                     'cycle failed, 3 when the plan was refused by the '
                     'validator, 4 when host(s) are left hot (no cure '
                     'found, or a migration did not complete); 2 is a bad '
                     'configuration.'),
]


def once_exit_code(report):
    """The ``--once`` exit code of a cycle's report."""
    if report.error:
        return EXIT_CYCLE_FAILED
    if report.violations:
        return EXIT_PLAN_REFUSED
    left = report.plan.unresolved if report.plan else ()
    unfinished = [o for o in report.outcomes
                  if o.result not in ('completed', 'dry-run')]
    return EXIT_LEFT_HOT if left or unfinished else EXIT_OK


def start_line(agent):
    """What an operator checks first in the log: which version runs with
    which files, and whether it moves anything."""
    settings = agent.settings
    files = ', '.join(agent.conf.config_file) or 'none'
    return (f'nova-hotspot-agent {version.version_string()} started: '
            f'config files {files}; interval {settings.interval}s, '
            f'strategy {settings.strategy}, usage source '
            f'{settings.usage_source}, actuator {agent.actuator.name}, '
            f'dry run {"yes" if settings.dry_run else "no"}')


class Service:
    def __init__(self, agent):
        self.agent = agent
        self._wake = threading.Event()
        self._term = False
        self._hup = False
        self._warned_disabled = False
        interval = agent.settings.interval

        @periodics.periodic(interval, run_immediately=True)
        def run_cycle():
            self.cycle()

        self.worker = periodics.PeriodicWorker([(run_cycle, None, None)])

    def cycle(self):
        if self.agent.stop.is_set():
            return
        if not self.agent.settings.enabled:
            if not self._warned_disabled:
                LOG.info('[hotspot] enabled is false: idle (SIGHUP '
                         're-reads the config)')
                self._warned_disabled = True
            return
        self._warned_disabled = False
        try:
            self.agent.run_once()
        except Exception:  # never let a bug stop the periodic task
            LOG.exception('cycle failed unexpectedly')

    def _on_term(self, signum, frame):
        self._term = True
        self.agent.stop.set()
        self._wake.set()

    def _on_hup(self, signum, frame):
        self._hup = True
        self._wake.set()

    def run(self):
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        signal.signal(signal.SIGHUP, self._on_hup)
        self.agent.leader.start()
        settings = self.agent.settings
        if settings.metrics_port:
            try:
                self.agent.metrics.serve(settings.metrics_port,
                                         settings.metrics_host)
            except OSError as exc:
                self.agent.leader.stop()
                print(f'nova-hotspot-agent: error: [hotspot] metrics_port: '
                      f'cannot serve on {settings.metrics_host}:'
                      f'{settings.metrics_port}: {exc}', file=sys.stderr)
                return EXIT_CONFIG
            LOG.info('metrics on http://%s:%d/metrics',
                     settings.metrics_host, settings.metrics_port)
        thread = threading.Thread(target=self.worker.start,
                                  name='hotspot-periodic', daemon=True)
        thread.start()
        LOG.info('%s', start_line(self.agent))
        while True:
            self._wake.wait(1.0)
            self._wake.clear()
            if self._hup:
                self._hup = False
                LOG.info('SIGHUP: reloading options')
                self.agent.reload()
            if self._term:
                LOG.info('stopping: waiting for migrations in flight')
                self.worker.stop()
                self.worker.wait()
                thread.join()
                self.agent.leader.stop()
                LOG.info('nova-hotspot-agent stopped after %d cycle(s)',
                         self.agent.cycles)
                return 0


def main(argv=None):
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf.register_cli_opts(cli_opts)
    logging.register_options(conf)
    try:
        conf(sys.argv[1:] if argv is None else argv, project='nova',
             prog='nova-hotspot-agent', version=version.version_string())
        logging.setup(conf, 'nova-hotspot-agent')
        agent = cycle.Agent(conf)
        # After the credentials were loaded (keystoneauth registers its
        # plugin's options then).
        for message in unknown_conf.unknown_options(conf):
            LOG.warning('%s', message)
        try:
            # Credentials Keystone refuses, or without the rights the
            # agent needs, end the start (ConfigError); an unreachable
            # cloud does not: the cycles retry.
            agent.cloud.check_access()
        except exceptions.ConfigError:
            raise
        except exceptions.CloudError as exc:
            LOG.warning('cannot check the cloud at start (%s); cycles will '
                        'retry', exc)
    except (cfg.Error, exceptions.NovaHotspotError) as exc:
        print(f'nova-hotspot-agent: error: {" ".join(str(exc).split())}',
              file=sys.stderr)
        return EXIT_CONFIG
    if conf.once:
        try:
            agent.leader.start()
        except exceptions.NovaHotspotError as exc:
            print(f'nova-hotspot-agent: error: '
                  f'{" ".join(str(exc).split())}', file=sys.stderr)
            return EXIT_CONFIG
        try:
            report = agent.run_once()
        finally:
            agent.leader.stop()
        return once_exit_code(report)
    try:
        return Service(agent).run()
    except exceptions.NovaHotspotError as exc:    # e.g. [coordination]
        print(f'nova-hotspot-agent: error: {" ".join(str(exc).split())}',
              file=sys.stderr)
        return EXIT_CONFIG


if __name__ == '__main__':
    sys.exit(main())
