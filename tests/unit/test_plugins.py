"""Loading strategies by name: the registered ones load, an unknown name
or a broken plugin is a clear error at load time."""

import subprocess
import sys
import textwrap

import pytest

from nova_hotspot import exceptions
from nova_hotspot import plugins
from nova_hotspot.strategies import base


def test_paper_is_registered_and_loads_by_name():
    assert 'paper' in plugins.names(plugins.STRATEGIES)
    strategy = plugins.load_strategy('paper')
    assert isinstance(strategy, base.Strategy)
    assert strategy.name == 'paper'


def test_unknown_name_is_plugin_not_found():
    with pytest.raises(exceptions.PluginNotFound,
                       match=r"no plugin named 'nope' \(known: .*paper"):
        plugins.load_strategy('nope')


def test_broken_plugin_is_an_error_naming_it(tmp_path):
    # A distribution registering a strategy whose module fails to import.
    dist = tmp_path / 'broken_strategy-1.0.dist-info'
    dist.mkdir()
    (dist / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: broken-strategy\nVersion: 1.0\n')
    (dist / 'entry_points.txt').write_text(textwrap.dedent('''\
        [nova_hotspot.strategies]
        broken = broken_strategy:Strategy
        '''))
    (tmp_path / 'broken_strategy.py').write_text(
        'raise ImportError("libfoo is missing")\n')
    code = textwrap.dedent(f'''\
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from nova_hotspot import exceptions, plugins
        try:
            plugins.load_strategy('broken')
        except exceptions.PluginError as exc:
            print(type(exc).__name__, exc)
        ''')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=60)
    assert out.stdout.startswith('PluginError '), out.stderr
    assert "plugin 'broken' failed to load" in out.stdout
    assert 'libfoo is missing' in out.stdout
