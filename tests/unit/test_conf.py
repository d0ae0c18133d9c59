"""The [hotspot] options: registration, checking, the generator sample."""

import os
import subprocess
import sys

import pytest
from oslo_config import cfg

from nova_hotspot import conf as hotspot_conf
from nova_hotspot import exceptions
from nova_hotspot.conf import hotspot
from nova_hotspot.conf import opts
from nova_hotspot.conf import settings as settings_mod

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))


def make_conf(tmp_path, text):
    path = tmp_path / 'nova.conf'
    path.write_text(text)
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    conf([], project='nova', default_config_files=[str(path)])
    return conf


def test_defaults(tmp_path):
    settings = settings_mod.load(make_conf(tmp_path, '[hotspot]\n'))
    assert settings.enabled is False
    # The operator's defaults (core/defaults.py): the strategy that cures,
    # and 2 of 3 cycles so that one spike moves nothing.
    assert settings.strategy == 'cure'
    assert (settings.hot_samples_required,
            settings.hot_samples_window) == (2, 3)
    assert settings.usage_source == 'placement'
    assert settings.actuator == 'live_migrate'
    assert settings.role_metadata_key == 'hotspot_role'
    assert settings.cpu_threshold == 0.8
    assert settings.excluded_hosts == frozenset()


def test_values_from_file(tmp_path):
    conf = make_conf(tmp_path, '[hotspot]\nenabled = true\n'
                     'cpu_threshold = 0.5\nexcluded_hosts = a, b,\n'
                     'compute_api_version = 2.60\nauth_type = password\n'
                     'auth_url = http://k:5000/v3\nusername = nova\n')
    settings = settings_mod.load(conf)
    assert settings.enabled is True
    assert settings.cpu_threshold == 0.5
    assert settings.excluded_hosts == frozenset({'a', 'b'})
    assert settings.compute_api_version == '2.60'
    assert conf.hotspot.auth_type == 'password'


@pytest.mark.parametrize('line, option', [
    ('cpu_threshold = 1.5', 'cpu_threshold'),
    ('cpu_threshold = 0', 'cpu_threshold'),
    ('mem_threshold = lots', 'mem_threshold'),
    ('interval = 0', 'interval'),
    ('capacity = virtual', 'capacity'),
    ('compute_api_version = 2.40', 'compute_api_version'),
    ('compute_api_version = latest', 'compute_api_version'),
    ('strategy =', 'strategy'),
    ('enabled = maybe', 'enabled'),
])
def test_bad_value_names_the_option(tmp_path, line, option):
    conf = make_conf(tmp_path, f'[hotspot]\n{line}\n')
    with pytest.raises(exceptions.ConfigError) as err:
        settings_mod.load(conf)
    message = str(err.value)
    assert f'[hotspot] {option}:' in message
    assert '\n' not in message


def test_list_opts_covers_registered_options():
    conf = cfg.ConfigOpts()
    hotspot_conf.register_opts(conf)
    listed = {opt.dest for group, group_opts in opts.list_opts()
              for opt in group_opts}
    registered = set(conf.hotspot.keys())
    # auth plugin options are registered by keystoneauth only once an
    # auth_type is known; everything registered up front must be listed.
    assert registered <= listed
    assert {'auth_url', 'username', 'password', 'project_name'} <= listed


def test_generator_documents_every_option(tmp_path):
    out = tmp_path / 'sample.conf'
    gen = os.path.join(os.path.dirname(sys.executable),
                       'oslo-config-generator')
    subprocess.run(
        [gen, '--config-file',
         os.path.join(ROOT, 'etc/nova-hotspot/'
                      'nova-hotspot-config-generator.conf'),
         '--output-file', str(out)], check=True, cwd=ROOT)
    text = out.read_text()
    for _group, group_opts in opts.list_opts():
        for opt in group_opts:
            assert f'#{opt.dest} =' in text, opt.dest
    for opt in hotspot.hotspot_opts:
        # every option of ours carries help text
        assert opt.help


def test_strategy_options_reach_the_strategy(tmp_path):
    from nova_hotspot.agent import cycle
    conf = make_conf(tmp_path, '[hotspot]\nstrategy = cure\n'
                     'strategy_options = headroom=0.1\n'
                     'strategy_options = movable_roles=master,slave\n')
    settings = settings_mod.load(conf)
    assert settings.strategy_options == (
        ('headroom', '0.1'), ('movable_roles', 'master,slave'))
    strategy = cycle.load_strategy(settings)
    assert strategy.headroom == 0.1
    assert {r.value for r in strategy.movable_roles} == {'master', 'slave'}


@pytest.mark.parametrize('strategy, line, fragment', [
    ('cure', 'headroom=7', 'option headroom must be a number'),
    ('paper', 'headroom=0.1',
     "strategy paper: unknown option 'headroom' (known: none)"),
    ('cure', 'nope=1', "strategy cure: unknown option 'nope' (known: "
                       'movable_roles, headroom'),
    ('cure', 'no equals sign', "expected name=value, got 'no equals sign'"),
])
def test_bad_strategy_options_name_the_option(tmp_path, strategy, line,
                                              fragment):
    from nova_hotspot.agent import cycle
    conf = make_conf(tmp_path, f'[hotspot]\nstrategy = {strategy}\n'
                     f'strategy_options = {line}\n')
    with pytest.raises(exceptions.ConfigError) as err:
        cycle.load_strategy(settings_mod.load(conf))
    assert str(err.value).startswith('[hotspot] strategy_options: ')
    assert fragment in str(err.value)
