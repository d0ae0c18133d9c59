"""The planning core, the strategies and the collector's builder import
nothing that talks to a cloud: they can be run and tested anywhere with
plain data. And the import graph runs one way (below)."""

import ast
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
    for folder in ('core', 'strategies', 'collect'):
        for path in sorted((PACKAGE / folder).glob('*.py')):
            yield f'nova_hotspot.{folder}.{path.stem}'.removesuffix(
                '.__init__')


def test_core_and_strategies_import_no_cloud_library():
    modules = list(pure_modules())
    assert {'nova_hotspot.strategies.paper_fast',
            'nova_hotspot.strategies.paper_score',
            'nova_hotspot.core.load',
            'nova_hotspot.collect.build'} <= set(modules)
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


# --- the import graph ------------------------------------------------------
#
# core <- strategies <- (collect, usage, actuators) <- agent <- cli; cloud/
# is the edge to OpenStack (it may use conf/ and exceptions only); conf/
# declares options, and the typed options objects built from them, which
# a usage source may take (conf/prometheus.py's PrometheusOptions). A unit
# imports only the units listed for it (itself always). Top-level modules
# not listed are planning tools (like compare).

PLANNING = {'exceptions', 'core', 'strategies', 'plugins', 'plan_report',
            'compare'}
ALLOWED = {
    'exceptions': set(),
    'core': {'exceptions'},
    'strategies': {'exceptions', 'core'},
    'conf': {'exceptions', 'core'},   # core's one NAME=VALUE parser
    'cloud': {'exceptions', 'conf'},
    'collect': {'exceptions', 'core', 'strategies', 'cloud'},
    'usage': {'exceptions', 'core', 'strategies', 'cloud', 'collect',
              'conf'},
    'actuators': {'exceptions', 'core', 'strategies', 'cloud', 'collect'},
    'plugins': {'exceptions'},
    'metrics': {'exceptions'},
    'version': set(),       # the installed version, from package metadata
    'plan_report': {'exceptions', 'core', 'strategies'},
    'agent': PLANNING | {'conf', 'cloud', 'collect', 'usage', 'actuators',
                         'metrics', 'version'},
    'cli': None,            # the top: anything
    'osc': None,            # openstack hotspot: the same top, through osc
}
#: Libraries that talk to OpenStack (or HTTP): only cloud/ imports them,
#: and conf/hotspot.py keystoneauth's option registration.
EDGE_LIBRARIES = {'openstack', 'keystoneauth1', 'requests'}
EDGE_EXCEPTIONS = {('conf', 'keystoneauth1')}


def imports_of(path):
    """(top-level module names, nova_hotspot units) ``path`` imports,
    anywhere in the file (function-level imports included)."""
    tree = ast.parse(path.read_text(), str(path))
    libraries, units = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module] + [f'{node.module}.{alias.name}'
                                     for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split('.')
            if parts[0] == 'nova_hotspot':
                if len(parts) > 1:
                    units.add(parts[1])
            else:
                libraries.add(parts[0])
    return libraries, units


def package_modules():
    for path in sorted(PACKAGE.rglob('*.py')):
        relative = path.relative_to(PACKAGE)
        unit = relative.parts[0].removesuffix('.py')
        if unit == '__init__':
            continue
        yield path, unit


def test_import_graph_runs_one_way():
    broken = []
    for path, unit in package_modules():
        allowed = ALLOWED.get(unit, PLANNING)
        if allowed is None:
            continue
        _, units = imports_of(path)
        for other in sorted(units - allowed - {unit}):
            broken.append(f'{path.relative_to(PACKAGE)} imports '
                          f'nova_hotspot.{other}')
    assert broken == []


def test_only_the_cloud_edge_imports_openstack_libraries():
    broken = []
    seen_cloud = False
    for path, unit in package_modules():
        libraries, _ = imports_of(path)
        if unit == 'cloud':
            seen_cloud = seen_cloud or 'openstack' in libraries
            continue
        for library in sorted(libraries & EDGE_LIBRARIES):
            if (unit, library) not in EDGE_EXCEPTIONS:
                broken.append(f'{path.relative_to(PACKAGE)} imports '
                              f'{library}')
    assert seen_cloud, 'the edge itself is not where it should be'
    assert broken == []


def test_the_graph_test_sees_a_wrong_import(tmp_path):
    # The checker itself: a function-level import is found too.
    bad = tmp_path / 'bad.py'
    bad.write_text('def f():\n    from nova_hotspot.agent import cycle\n'
                   '    import openstack.exceptions\n')
    assert imports_of(bad) == ({'openstack'}, {'agent'})
