"""The Agent without a cloud: SIGHUP reload rules, and a cycle against an
endpoint that does not answer (a real connection failure, translated)."""

from oslo_config import cfg

from nova_hotspot import conf as hotspot_conf
from nova_hotspot import version
from nova_hotspot.agent import cycle
from nova_hotspot.agent import service

AUTH = ('auth_type = password\nauth_url = http://127.0.0.1:9/v3\n'
        'username = u\npassword = p\nproject_name = p\n'
        'user_domain_name = Default\nproject_domain_name = Default\n')


def make(tmp_path, extra=''):
    path = tmp_path / 'nova.conf'
    path.write_text(f'[hotspot]\n{AUTH}{extra}')
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf([], project='nova', default_config_files=[str(path)])
    return path, cycle.Agent(conf)


def test_reload_applies_mutable_options_keeps_immutable(tmp_path):
    path, agent = make(tmp_path, 'interval = 60\nstrategy = paper\n')
    assert agent.actuator.name == 'live_migrate'
    path.write_text(f'[hotspot]\n{AUTH}interval = 5\ndry_run = true\n'
                    'cpu_threshold = 0.5\nenabled = true\n')
    assert agent.reload() is True
    assert agent.settings.dry_run is True
    assert agent.actuator.name == 'log'
    assert agent.settings.cpu_threshold == 0.5
    assert agent.settings.enabled is True
    assert agent.settings.interval == 60       # only at restart


def test_reload_with_a_bad_value_keeps_the_old_options(tmp_path):
    path, agent = make(tmp_path, 'cpu_threshold = 0.7\n')
    path.write_text(f'[hotspot]\n{AUTH}cpu_threshold = 7\n')
    assert agent.reload() is False
    assert agent.settings.cpu_threshold == 0.7
    path.write_text(f'[hotspot]\n{AUTH}strategy = nosuch\n')
    assert agent.reload() is False
    assert agent.settings.strategy == 'cure'     # the default kept


def test_cycle_against_an_unreachable_cloud_reports_one_line(tmp_path):
    _, agent = make(tmp_path)
    report = agent.run_once()
    assert report.error is not None
    assert report.error.startswith('listing hypervisors: ')
    assert '\n' not in report.error
    assert report.outcomes == []


def test_k_of_n_options(tmp_path):
    _, agent = make(tmp_path, 'hot_samples_required = 2\n'
                              'hot_samples_window = 3\n')
    assert (agent.history.k, agent.history.n) == (2, 3)


def test_k_larger_than_n_is_refused_naming_the_option(tmp_path):
    import pytest

    from nova_hotspot import exceptions
    with pytest.raises(exceptions.ConfigError,
                       match=r'^\[hotspot\] hot_samples_required: '):
        make(tmp_path, 'hot_samples_required = 3\nhot_samples_window = 2\n')


def test_once_exit_codes_tell_a_failed_cycle_from_hosts_left_hot():
    """Issue 11: --once exited 1 both when the cycle failed and when hosts
    were left hot."""
    from nova_hotspot.actuators.limits import Outcome
    from nova_hotspot.agent import service
    from nova_hotspot.core.plan import Plan
    from nova_hotspot.core.plan import Unresolved
    report = cycle.CycleReport(1)
    assert service.once_exit_code(report) == service.EXIT_OK == 0
    report.plan = Plan('paper')
    assert service.once_exit_code(report) == 0
    report.outcomes = [Outcome('S', 'A', 'B', 'completed')]
    assert service.once_exit_code(report) == 0
    report.outcomes.append(Outcome('T', 'A', 'C', 'timeout'))
    assert service.once_exit_code(report) == service.EXIT_LEFT_HOT == 4
    report.outcomes = []
    report.plan = Plan('paper', unresolved=(Unresolved('A', 'no room'),))
    assert service.once_exit_code(report) == service.EXIT_LEFT_HOT
    report.violations = ['a rule broken']
    assert service.once_exit_code(report) == service.EXIT_PLAN_REFUSED == 3
    report.error = 'listing servers: HTTP 500'
    assert service.once_exit_code(report) == service.EXIT_CYCLE_FAILED == 1


def test_quarantined_targets_are_counted_in_a_metric(tmp_path):
    _, agent = make(tmp_path, 'target_quarantine = 120\n')
    assert agent.quarantine.seconds == 120
    report = cycle.CycleReport(1, quarantined=['compute3'])
    agent.metrics.cycle(report, True)
    assert agent.metrics.value(
        'nova_hotspot_targets_quarantined_total') == 1


def test_stuck_migrations_are_a_gauge(tmp_path):
    import dataclasses

    from nova_hotspot.collect import build
    _, agent = make(tmp_path)
    stuck = {'X': build.Stuck('X', 'a', 'b', 1000.0)}
    collection = build.Collection(cluster=None, hosts={}, pins={},
                                  problems=[], stuck=stuck)
    report = cycle.CycleReport(1, collection=collection)
    agent.metrics.cycle(report, True)
    assert agent.metrics.value('nova_hotspot_migrations_stuck') == 1
    agent.metrics.cycle(dataclasses.replace(report, collection=dataclasses
                                            .replace(collection, stuck={})),
                        True)
    assert agent.metrics.value('nova_hotspot_migrations_stuck') == 0


def test_start_line_says_version_files_plugins_and_dry_run(tmp_path):
    path, agent = make(tmp_path, 'strategy = paper\nusage_source = '
                                 'prometheus\nprometheus_url = '
                                 'http://127.0.0.1:9\ndry_run = true\n')
    line = service.start_line(agent)
    assert line.startswith(
        f'nova-hotspot-agent {version.version_string()} started: '
        f'config files {path};')
    assert ('strategy paper, usage source prometheus, actuator log, '
            'dry run yes') in line
