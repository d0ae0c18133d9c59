"""Benchmark of the snapshot path, end to end, beside a bare json.load.

    python -m benchmarks.end_to_end --hosts 100 1000 10000 --repeat 3

For each size it writes a seeded snapshot (benchmarks/generate.py, 24
servers per host, 5 % hot) to a temporary file, then, ``--repeat`` times
in turn (so that a busy machine slows every column alike), takes the best
of:

* ``json.load``: a bare ``json.load`` of the file, timed inside a fresh
  interpreter (the parse alone), and that process's peak RSS (the parsed
  JSON's memory, plus the interpreter's);
* ``plan``: ``nova-hotspot plan --snapshot FILE --format json`` for each
  strategy, wall clock of the whole process (interpreter start, imports,
  load, plan, validation, report, output), and its peak RSS;
* in this process, the stages of that path: ``snapshot.loads`` of the
  file's bytes, the strategy's plan, the plan validator, the report
  (``plan_report.build`` and its JSON text).

Peak RSS is the child's own (``os.wait4``). Each ratio is to the best
``json.load``: the targets of issue 13 are end to end <= 3x and peak memory
<= 2x.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from benchmarks import generate
from nova_hotspot import cli
from nova_hotspot import plan_report
from nova_hotspot import plugins
from nova_hotspot.core import snapshot
from nova_hotspot.core import validate

_JSON_LOAD = ('import json, sys, time\n'
              'with open(sys.argv[1], encoding="utf-8") as f:\n'
              '    start = time.perf_counter()\n'
              '    json.load(f)\n'
              '    print(time.perf_counter() - start)\n')


def _run(argv):
    """(wall seconds, peak RSS in MB, stdout) of ``argv``, waited for with
    os.wait4 so that the RSS is this child's alone."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, cli.EXIT_INVALID_PLAN):
            err.seek(0)
            raise RuntimeError(f'{argv}: exit {proc.returncode}: '
                               f'{err.read().decode(errors="replace")}')
        out.seek(0)
        # ru_maxrss is in KB on Linux.
        return seconds, usage.ru_maxrss / 1024, out.read()


def stages(path, strategy_name):
    """Seconds of load, plan, validate and report (with its JSON text) of
    ``path`` in this process."""
    with open(path, 'rb') as f:   # as the CLI reads it
        text = f.read()
    start = time.perf_counter()
    cluster = snapshot.loads(text, cli.DEFAULT_THRESHOLD,
                             cli.DEFAULT_THRESHOLD)
    loaded = time.perf_counter()
    plan = plugins.load_strategy(strategy_name).plan(cluster)
    planned = time.perf_counter()
    violations = validate.validate_plan(cluster, plan)
    validated = time.perf_counter()
    cli.dumps(plan_report.build(cluster, plan, violations))
    reported = time.perf_counter()
    return (loaded - start, planned - loaded, validated - planned,
            reported - validated, len(cluster.servers), len(plan.migrations))


def run_size(hosts, seed, strategies, repeat, directory):
    cluster = generate.generate(hosts, 24, 0.05, seed)
    path = os.path.join(directory, f'snapshot-{hosts}.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(snapshot.to_dict(cluster), f)
    size_mb = os.path.getsize(path) / 1e6
    del cluster
    parse, parse_rss = [], []
    ends = {name: [] for name in strategies}
    rss = {name: [] for name in strategies}
    inner = {name: [] for name in strategies}
    for _ in range(repeat):
        _, peak, out = _run([sys.executable, '-c', _JSON_LOAD, path])
        parse.append(float(out))
        parse_rss.append(peak)
        for name in strategies:
            seconds, peak, _ = _run([
                sys.executable, '-m', 'nova_hotspot.cli', 'plan',
                '--snapshot', path, '--format', 'json', '--strategy', name])
            ends[name].append(seconds)
            rss[name].append(peak)
            inner[name].append(stages(path, name))
    base, base_rss = min(parse), min(parse_rss)
    servers = inner[strategies[0]][0][4]
    print(f'## {hosts} hosts, {servers} servers, seed {seed}: '
          f'{size_mb:.1f} MB; json.load {base:.3f} s, peak RSS '
          f'{base_rss:.0f} MB (best of {repeat})')
    head = ('strategy', 'load s', 'plan s', 'validate s', 'report s',
            'end to end s', 'x json.load', 'peak MB', 'x json.load RSS',
            'moves')
    lines = [head]
    for name in strategies:
        best = [min(r[k] for r in inner[name]) for k in range(4)]
        end = min(ends[name])
        peak = min(rss[name])
        lines.append((name, *(f'{b:.3f}' for b in best), f'{end:.2f}',
                      f'{end / base:.2f}', f'{peak:.0f}',
                      f'{peak / base_rss:.2f}',
                      str(inner[name][0][5])))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        print('  '.join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(line, widths))))
    print()
    sys.stdout.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, nargs='+', default=[10000])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--strategy', action='append', dest='strategies',
                        help='strategy to run (repeatable; default: paper '
                             'and cure)')
    parser.add_argument('--repeat', type=int, default=3,
                        help='runs of each measurement; the best is shown')
    args = parser.parse_args(argv)
    strategies = args.strategies or ['paper', 'cure']
    with tempfile.TemporaryDirectory() as directory:
        for hosts in args.hosts:
            run_size(hosts, args.seed, strategies, args.repeat, directory)
    return 0


if __name__ == '__main__':
    sys.exit(main())
