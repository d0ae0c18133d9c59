"""The planning core and the strategies import nothing that talks to a
cloud: they can be run and tested anywhere with plain data."""

import pathlib
import subprocess
import sys

import nova_hotspot

PACKAGE = pathlib.Path(nova_hotspot.__file__).parent
# Third-party packages that reach a cloud or a service, and the standard
# library's network modules.
FORBIDDEN_PACKAGES = {'openstack', 'keystoneauth1', 'oslo_config',
                      'oslo_log', 'oslo_service', 'stevedore', 'tooz',
                      'futurist', 'requests', 'urllib3'}
FORBIDDEN_MODULES = {'socket', 'http.client', 'urllib.request'}


def pure_modules():
    for folder in ('core', 'strategies'):
        for path in sorted((PACKAGE / folder).glob('*.py')):
            yield f'nova_hotspot.{folder}.{path.stem}'.removesuffix(
                '.__init__')


def test_core_and_strategies_import_no_cloud_library():
    modules = list(pure_modules())
    assert {'nova_hotspot.strategies.paper_fast',
            'nova_hotspot.strategies.paper_score',
            'nova_hotspot.core.load'} <= set(modules)
    code = (
        'import sys\n'
        'before = set(sys.modules)\n'
        f'for name in {modules!r}: __import__(name)\n'
        'new = set(sys.modules) - before\n'
        f'bad = sorted(m for m in new if m.split(".")[0] in '
        f'{sorted(FORBIDDEN_PACKAGES)!r} or m in '
        f'{sorted(FORBIDDEN_MODULES)!r})\n'
        'print(",".join(bad))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == '', f'the pure core imported: {out}'
