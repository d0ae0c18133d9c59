"""Usage source ``prometheus``: samples onto servers (plain data), and the
HTTP client's reading of every kind of answer.

The answers a real Prometheus gives are exercised by the functional tests
on the minicloud's Prometheus; here a small local HTTP server gives the
answers one cannot make a real Prometheus give on demand (5xx, garbage,
slowness, a wrong result type).
"""

import dataclasses
import http.server
import json
import math
import threading
import time

import pytest

from nova_hotspot import exceptions
from nova_hotspot.cloud import prometheus as api
from nova_hotspot.conf import prometheus as prometheus_conf
from nova_hotspot.usage import prometheus


@dataclasses.dataclass(frozen=True)
class Flavor:
    vcpus: float = 4
    ram: float = 4096


@dataclasses.dataclass(frozen=True)
class Server:
    id: str
    status: str = 'ACTIVE'
    task_state: str | None = None
    flavor: Flavor = Flavor()


def sample(uuid, value, label='instance_id', **labels):
    return api.Sample({label: uuid, 'domain': f'instance-{uuid}', **labels},
                      value)


def kinds(problems):
    return [(p.kind, p.server) for p in problems]


# --- samples onto servers --------------------------------------------------

def test_each_server_gets_its_samples():
    servers = [Server('a'), Server('b')]
    values, problems = prometheus.usage_from_samples(
        servers, [sample('a', 1.5), sample('b', 0.25)],
        [sample('a', 1024), sample('b', 300.5)], 'instance_id')
    assert values == {'a': prometheus.base.ServerUsage(1.5, 1024),
                      'b': prometheus.base.ServerUsage(0.25, 300.5)}
    assert problems == []


def test_a_server_without_samples_keeps_its_flavor_and_is_reported():
    servers = [Server('a'), Server('quiet')]
    values, problems = prometheus.usage_from_samples(
        servers, [sample('a', 1.0)], [sample('a', 10)], 'instance_id')
    assert 'quiet' not in values          # the collector keeps its flavor
    assert kinds(problems) == [('no-usage-sample', 'quiet')]


def test_a_stopped_server_without_samples_is_not_reported():
    servers = [Server('a'), Server('off', status='SHUTOFF')]
    values, problems = prometheus.usage_from_samples(
        servers, [sample('a', 1.0)], [sample('a', 10)], 'instance_id')
    assert set(values) == {'a'} and problems == []


def test_one_missing_resource_takes_the_flavor_for_that_resource_only():
    values, problems = prometheus.usage_from_samples(
        [Server('a', flavor=Flavor(2, 2048))], [sample('a', 0.5)], [],
        'instance_id')
    assert values['a'] == prometheus.base.ServerUsage(0.5, 2048)
    assert kinds(problems) == [('no-usage-sample', 'a')]
    assert 'memory' in problems[0].message


@pytest.mark.parametrize('bad', [math.nan, math.inf, -1.0])
def test_a_bad_sample_is_not_used(bad):
    values, problems = prometheus.usage_from_samples(
        [Server('a', flavor=Flavor(2, 2048)), Server('b')],
        [sample('a', bad), sample('b', 1)], [sample('a', 100),
                                             sample('b', 1)],
        'instance_id')
    assert values['a'] == prometheus.base.ServerUsage(2, 100)
    assert kinds(problems) == [('bad-usage-sample', 'a')]


def test_use_a_little_over_the_flavor_is_capped_quietly():
    # a fully busy guest's rate jitters a little around its vCPUs
    values, problems = prometheus.usage_from_samples(
        [Server('a', flavor=Flavor(2, 2048))], [sample('a', 2.05)],
        [sample('a', 2100)], 'instance_id')
    assert values['a'] == prometheus.base.ServerUsage(2, 2048)
    assert problems == []


def test_use_over_the_flavor_is_capped_and_reported():
    values, problems = prometheus.usage_from_samples(
        [Server('a', flavor=Flavor(2, 2048))], [sample('a', 3.5)],
        [sample('a', 4096)], 'instance_id')
    assert values['a'] == prometheus.base.ServerUsage(2, 2048)
    assert kinds(problems) == [('usage-over-flavor', 'a')] * 2


def test_two_samples_of_one_instance_take_the_larger():
    values, problems = prometheus.usage_from_samples(
        [Server('a')], [sample('a', 1.0, instance='h1'),
                        sample('a', 3.0, instance='h2')],
        [sample('a', 10)], 'instance_id')
    assert values['a'].cpu == 3.0
    assert kinds(problems) == [('duplicate-usage-sample', 'a')]


def test_samples_of_unknown_instances_and_other_labels_are_ignored():
    values, problems = prometheus.usage_from_samples(
        [Server('a')], [sample('a', 1.0), sample('gone', 9.0),
                        api.Sample({'domain': 'x'}, 5.0)],
        [sample('a', 10)], 'instance_id')
    assert set(values) == {'a'} and problems == []


def test_the_instance_label_is_configurable():
    values, _ = prometheus.usage_from_samples(
        [Server('a')], [sample('a', 1.0, label='resource')],
        [sample('a', 10, label='resource')], 'resource')
    assert values['a'] == prometheus.base.ServerUsage(1.0, 10)


def test_no_sample_for_any_active_server_is_an_unusable_answer():
    with pytest.raises(exceptions.CloudError,
                       match='no usable sample for any of the 2 ACTIVE'):
        prometheus.usage_from_samples(
            [Server('a'), Server('b')], [sample('a', 1.0, label='x')], [],
            'instance_id')


def test_no_active_server_needs_no_sample():
    values, problems = prometheus.usage_from_samples(
        [Server('a', status='SHUTOFF')], [], [], 'instance_id')
    assert values == {} and problems == []


# --- options ---------------------------------------------------------------

def test_the_window_goes_into_the_queries_and_braces_stay():
    options = prometheus_conf.PrometheusOptions(
        url='http://p:9090', window=45,
        cpu_query='rate(x{job="libvirt"}[{window}])')
    assert options.query(options.cpu_query) == 'rate(x{job="libvirt"}[45s])'


@pytest.mark.parametrize('changes, option', [
    ({'url': None}, 'prometheus_url'),
    ({'url': 'ftp://p'}, 'prometheus_url'),
    ({'window': 0}, 'prometheus_window'),
    ({'timeout': 0}, 'prometheus_timeout'),
    ({'cpu_query': ' '}, 'prometheus_cpu_query'),
    ({'instance_label': ''}, 'prometheus_instance_label'),
    ({'keyfile': '/k'}, 'prometheus_keyfile'),
    ({'password': 'p'}, 'prometheus_password'),
    ({'bearer_token': 't', 'bearer_token_file': '/t'},
     'prometheus_bearer_token'),
])
def test_bad_options_name_the_option(changes, option):
    options = dataclasses.replace(
        prometheus_conf.PrometheusOptions(url='http://p:9090'), **changes)
    with pytest.raises(exceptions.ConfigError) as info:
        prometheus.PrometheusUsage(options)
    assert str(info.value).startswith(f'[hotspot] {option}: ')
    assert '\n' not in str(info.value)


# --- the HTTP client -------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get('Content-Length', 0))
        self.server.requests.append((self.path, self.rfile.read(length),
                                     dict(self.headers)))
        status, body, delay = self.server.answer
        time.sleep(delay)
        payload = body if isinstance(body, bytes) else json.dumps(
            body).encode()
        try:
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:      # the client gave up (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    httpd.requests = []
    httpd.answer = (200, {'status': 'success', 'data': {
        'resultType': 'vector', 'result': []}}, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f'http://127.0.0.1:{httpd.server_address[1]}'
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def vector(*series):
    return {'status': 'success', 'data': {'resultType': 'vector',
                                          'result': list(series)}}


def test_client_posts_an_instant_query_and_reads_the_vector(server):
    server.answer = (200, vector(
        {'metric': {'instance_id': 'a'}, 'value': [1700000000.1, '1.5']},
        {'metric': {'instance_id': 'b'}, 'value': [1700000000.1, 'NaN']}),
        0)
    client = api.PrometheusClient(server.url + '/', timeout=3)
    samples = client.query('up')
    assert samples[0] == api.Sample({'instance_id': 'a'}, 1.5)
    assert math.isnan(samples[1].value)
    path, body, _ = server.requests[0]
    assert path == '/api/v1/query'
    assert b'query=up' in body and b'timeout=3s' in body


@pytest.mark.parametrize('answer, message', [
    ((503, b'overloaded', 0), 'HTTP 503: overloaded'),
    ((400, {'status': 'error', 'errorType': 'bad_data',
            'error': 'parse error at char 3'}, 0),
     'HTTP 400: parse error at char 3'),
    ((200, b'<html>not prometheus</html>', 0), 'answer is not JSON'),
    ((200, {'status': 'error', 'error': 'boom'}, 0), "status 'error': boom"),
    ((200, {'status': 'success', 'data': {'resultType': 'matrix',
                                          'result': []}}, 0),
     "result type 'matrix'"),
    ((200, vector({'metric': {}, 'value': [1, 'x']}), 0),
     "value 'x', not a number"),
    ((200, vector(['nonsense']), 0), 'result[0] is not a sample'),
    ((200, vector({'metric': {}, 'value': [1, '1']}), 2.5),
     'no answer within 0.5s'),
])
def test_every_unusable_answer_is_one_cloud_error(server, answer, message):
    server.answer = answer
    client = api.PrometheusClient(server.url, timeout=0.5)
    with pytest.raises(exceptions.CloudError) as info:
        client.query('up')
    text = str(info.value)
    assert text.startswith(f'Prometheus {server.url}: ')
    assert message in text and '\n' not in text


def test_unreachable_prometheus_is_a_cloud_error():
    client = api.PrometheusClient('http://127.0.0.1:9', timeout=1)
    with pytest.raises(exceptions.CloudError,
                       match=r'^Prometheus http://127.0.0.1:9: Connection'):
        client.query('up')


def test_credentials_are_sent_and_never_shown(server, tmp_path):
    token = tmp_path / 'token'
    token.write_text('s3cret-token\n')
    usage = prometheus.PrometheusUsage(prometheus_conf.PrometheusOptions(
        url=server.url, bearer_token_file=str(token)))
    usage.client().query('up')
    assert server.requests[-1][2]['Authorization'] == 'Bearer s3cret-token'
    token.write_text('rotated')
    usage.client().query('up')
    assert server.requests[-1][2]['Authorization'] == 'Bearer rotated'

    basic = prometheus.PrometheusUsage(prometheus_conf.PrometheusOptions(
        url=server.url, username='ops', password='pw'))
    basic.client().query('up')
    assert server.requests[-1][2]['Authorization'].startswith('Basic ')
    assert 'pw' not in repr(basic.options)
    server.answer = (500, b'down', 0)
    with pytest.raises(exceptions.CloudError) as info:
        api.PrometheusClient(server.url.replace('http://',
                                                'http://ops:pw@')).query('x')
    assert 'pw' not in str(info.value) and 'ops' not in str(info.value)


def test_two_queries_per_cycle_whatever_the_number_of_servers(server):
    calls = []
    server.answer = (200, vector(*[
        {'metric': {'instance_id': f's{i}'}, 'value': [1, '0.5']}
        for i in range(500)]), 0)

    class Cloud:
        class counter:
            @staticmethod
            def hook(response, *args, **kwargs):
                calls.append(response.request.url)

    usage = prometheus.PrometheusUsage(
        prometheus_conf.PrometheusOptions(url=server.url))
    report = usage.usage(Cloud, [Server(f's{i}') for i in range(500)])
    assert len(report.values) == 500
    assert len(calls) == 2 and len(server.requests) == 2
