"""Start nova-conductor, nova-scheduler and every nova-compute of minicloud.

Runs in the nova venv:  python nova_launcher.py SPEC.json

Each of these processes spends about 2.5 s of CPU importing nova before it
does anything; with five computes on a 2-core machine that alone would eat
most of the start-up budget.  So this launcher imports the three nova.cmd
modules once, then forks one child per service, and each child runs nova's
own console-script main() with its own argv (--config-file ...), exactly as
the nova-conductor / nova-scheduler / nova-compute scripts would.  Nova's
multi-worker services fork after importing in the same way.

Each child gets its own session (process group), log file and pid file, so
minicloud tracks and stops it like any other service.  The launcher starts
the conductor and scheduler first, waits until the conductor logs that it
started (a compute that calls the conductor before its queue exists waits
10 s), starts the computes, waits until each has registered its resource
provider, runs "nova-manage cell_v2 discover_hosts" (nova's own manage
main(), forked too) to map the hosts into cell1, and exits with its status.

SPEC.json: {"conductor_log": path, "timeout": seconds, "wait_ports": [...],
            "first": [child, ...], "then": [child, ...],
            "discover": {"args": [...], "log": path}}
           without "discover" (``minicloud compute start``: one compute
           started again, its host mapped already) the launcher forks the
           children of "then" and exits; the caller waits for them.
child:     {"binary": "nova-compute", "args": [...], "log": path,
            "pidfile": path, "sys_path": [dir, ...] (optional: put first
            on the child's sys.path, e.g. the repository for the
            nova-scheduler plugins of nova_hotspot)}
"""

import json
import os
import socket
import sys
import threading
import time
import traceback

# tools/minicloud, for its fake driver (load_driver.py) and loadfile.py.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# The expensive part, done once for every child.  Each module applies nova's
# (threading) concurrency setup at import, as its console script does.
from nova.cmd import compute  # noqa: E402
from nova.cmd import conductor  # noqa: E402
from nova.cmd import scheduler  # noqa: E402


def preload():
    """Import what every child would otherwise import after the fork.

    Measured with py-spy: each compute spent ~0.9 s importing the os-vif
    plugins (os_vif.initialize), and more on the manager and object modules
    and the rabbit driver.  Only imports: nothing is initialized here.
    """
    import importlib
    from importlib import metadata

    from nova import objects
    objects.register_all()
    # Nova imports compute_driver X.Y as nova.virt.X.Y: with this directory
    # on nova.virt's package path, "compute_driver =
    # load_driver.LoadFakeDriver" is tools/minicloud/load_driver.py.
    import nova.virt
    nova.virt.__path__.append(HERE)
    for module in ('nova.compute.manager', 'nova.conductor.manager',
                   'nova.scheduler.manager', 'nova.virt.fake',
                   'nova.virt.load_driver',
                   'oslo_messaging._drivers.impl_rabbit'):
        importlib.import_module(module)
    for entry_point in metadata.entry_points(group='os_vif'):
        importlib.import_module(entry_point.module)
    # nova-manage (for discover_hosts) would apply eventlet monkey patching
    # at import; these processes run nova's threading mode, so keep it.
    os.environ['OS_NOVA_DISABLE_EVENTLET_PATCHING'] = '1'
    importlib.import_module('nova.cmd.manage')


preload()

MAINS = {
    'nova-compute': compute.main,
    'nova-conductor': conductor.main,
    'nova-scheduler': scheduler.main,
}


def nova_manage_main():
    from nova.cmd import manage  # preloaded
    manage.main()


MAINS['nova-manage'] = nova_manage_main


def spawn(child):
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        if child.get('pidfile'):
            with open(child['pidfile'], 'w') as f:
                f.write('%d\n' % pid)
        return pid
    code = 1
    try:
        if child.get('pidfile'):
            os.setsid()
        log = os.open(child['log'], os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                      0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        sys.path[:0] = child.get('sys_path', [])
        sys.argv = [child['binary']] + child['args']
        MAINS[child['binary']]()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def note(msg):
    print('%s nova_launcher: %s' % (time.strftime('%H:%M:%S'), msg),
          flush=True)


def log_contains(path, text):
    try:
        with open(path, 'rb') as f:
            return text.encode() in f.read()
    except OSError:
        return False


def wait_for_logs(paths, text, timeout):
    deadline = time.monotonic() + timeout
    while not all(log_contains(path, text) for path in paths):
        if time.monotonic() > deadline:
            sys.exit('nova_launcher: no %r in %s after %d s'
                     % (text, ', '.join(paths), timeout))
        time.sleep(0.1)


def port_open(port):
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1):
            return True
    except OSError:
        return False


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    # minicloud starts this launcher while MariaDB and RabbitMQ boot, so the
    # imports above overlap with them; the services need both at once.
    deadline = time.monotonic() + spec['timeout']
    while not all(port_open(p) for p in spec['wait_ports']):
        if time.monotonic() > deadline:
            sys.exit('nova_launcher: ports %s not open after %d s'
                     % (spec['wait_ports'], spec['timeout']))
        time.sleep(0.1)
    for child in spec['first']:
        spawn(child)
    wait_for_logs([spec['conductor_log']], 'Starting conductor node',
                  spec['timeout'])
    note('conductor started; forking computes (%d threads here)'
         % threading.active_count())
    for child in spec['then']:
        spawn(child)
    if 'discover' not in spec:
        sys.exit(0)
    # discover_hosts maps only computes whose compute node record exists;
    # the resource provider is created right after that record.
    wait_for_logs([child['log'] for child in spec['then']],
                  'Created resource provider record', spec['timeout'])
    note('every compute registered; running discover_hosts')
    discover = dict(spec['discover'], binary='nova-manage')
    _pid, status = os.waitpid(spawn(discover), 0)
    code = os.waitstatus_to_exitcode(status)
    note('discover_hosts exited with %d' % code)
    sys.exit(code)


if __name__ == '__main__':
    main()
