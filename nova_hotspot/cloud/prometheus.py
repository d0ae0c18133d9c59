"""The Prometheus HTTP API, as the usage source needs it: instant queries.

``PrometheusClient.query(promql)`` makes one ``POST /api/v1/query`` and
returns the result vector as ``Sample`` records. Every way the answer can
be unusable (no connection, a timeout, an HTTP error, a body that is not
the API's JSON, a result that is not an instant vector, a sample without a
value) raises ``exceptions.CloudError`` with one line naming the server and
what was wrong: the caller skips its cycle rather than plan on part of the
data. Values are parsed as Prometheus writes them (``"1.5"``, ``"NaN"``,
``"+Inf"``); judging a value is the caller's business.
"""

import dataclasses
import json
import urllib.parse

import requests

from nova_hotspot import exceptions

#: How much of an unexpected body an error message quotes.
_QUOTE = 120


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    """One series of an instant vector: its labels and its value."""

    labels: dict
    value: float


class PrometheusClient:
    """Instant queries against one Prometheus server.

    ``auth``: None, ``(username, password)`` for basic authentication, or
    a callable returning a bearer token (re-read at each query, so a
    rotated token file works). ``verify``: True, False or a CA bundle path
    (requests' meaning); ``cert``: None or ``(certfile, keyfile)``.
    ``hook``: called with each ``requests.Response`` (API call counting).
    """

    def __init__(self, url, timeout=10.0, verify=True, cert=None, auth=None,
                 hook=None):
        self.url = url.rstrip('/')
        self.timeout = timeout
        self._session = requests.Session()
        self._session.verify = verify
        if cert is not None:
            self._session.cert = cert
        self._auth = auth
        if hook is not None:
            self._session.hooks['response'].append(hook)
        self._where = _redacted(self.url)

    def close(self):
        self._session.close()

    def query(self, promql):
        """The instant vector ``promql`` evaluates to now: [Sample]."""
        headers = {'Accept': 'application/json'}
        auth = None
        try:
            if callable(self._auth):
                headers['Authorization'] = f'Bearer {self._auth()}'
            elif self._auth is not None:
                auth = self._auth
        except OSError as exc:
            raise self._error(f'cannot read the bearer token: {exc}') \
                from None
        try:
            response = self._session.post(
                f'{self.url}/api/v1/query',
                data={'query': promql, 'timeout': f'{self.timeout:g}s'},
                headers=headers, auth=auth, timeout=self.timeout)
        except requests.Timeout:
            raise self._error(f'no answer within {self.timeout:g}s') \
                from None
        except requests.RequestException as exc:
            raise self._error(_one_line(exc)) from None
        return _vector(self._body(response), self._error)

    def _body(self, response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            detail = (body.get('error') if isinstance(body, dict) else None
                      ) or _quote(response.text)
            raise self._error(f'HTTP {response.status_code}: {detail}')
        if not isinstance(body, dict):
            raise self._error(f'answer is not JSON: {_quote(response.text)}')
        if body.get('status') != 'success':
            raise self._error(f'status {body.get("status")!r}: '
                              f'{body.get("error") or "no error given"}')
        return body

    def _error(self, what):
        err = exceptions.CloudError(f'Prometheus {self._where}: {what}')
        err.status_code = None
        return err


def _vector(body, error):
    data = body.get('data')
    if not isinstance(data, dict) or data.get('resultType') != 'vector':
        kind = data.get('resultType') if isinstance(data, dict) else None
        raise error(f'expected an instant vector, got result type {kind!r}'
                    f' (the query must return one sample per instance)')
    result = data.get('result')
    if not isinstance(result, list):
        raise error('answer has no result list')
    samples = []
    for index, series in enumerate(result):
        labels = series.get('metric') if isinstance(series, dict) else None
        value = series.get('value') if isinstance(series, dict) else None
        if not isinstance(labels, dict) or not isinstance(value, list) \
                or len(value) != 2:
            raise error(f'result[{index}] is not a sample: '
                        f'{_quote(json.dumps(series))}')
        try:
            number = float(value[1])
        except (TypeError, ValueError):
            raise error(f'result[{index}] has value {value[1]!r}, not a '
                        f'number') from None
        samples.append(Sample(labels, number))
    return samples


def _redacted(url):
    """The URL without credentials (for messages)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ''
        if parts.port:
            host += f':{parts.port}'
        parts = parts._replace(netloc=host)
    return urllib.parse.urlunsplit(parts)


def _one_line(exc):
    return f'{type(exc).__name__}: {" ".join(str(exc).split())}'


def _quote(text):
    text = ' '.join(str(text).split())
    return text if len(text) <= _QUOTE else text[:_QUOTE] + '...'
