"""Translate at the edge: openstacksdk/keystoneauth/requests errors become
``exceptions.CloudError`` with one line and the HTTP status, if any."""

import contextlib

import keystoneauth1.exceptions as ks_exc
import openstack.exceptions as sdk_exc
import requests

from nova_hotspot import exceptions


def _describe(exc):
    """One line for an SDK/keystoneauth error, with Nova's reason."""
    if isinstance(exc, sdk_exc.HttpException):
        details = exc.details or exc.message or str(exc)
        status = exc.status_code
        text = f'HTTP {status}: {details}' if status else str(details)
    else:
        text = f'{type(exc).__name__}: {exc}'
    return ' '.join(str(text).split())


@contextlib.contextmanager
def errors(what):
    """Translate library errors raised inside into CloudError(``what``)."""
    try:
        yield
    except exceptions.NovaHotspotError:
        raise
    except (sdk_exc.SDKException, ks_exc.ClientException,
            requests.RequestException) as exc:
        err = exceptions.CloudError(f'{what}: {_describe(exc)}')
        # openstacksdk says status_code, keystoneauth http_status
        err.status_code = (getattr(exc, 'status_code', None)
                           or getattr(exc, 'http_status', None))
        raise err from exc


def none_if_missing(what, call):
    """``call()`` under ``errors(what)``, but None when the cloud answers
    404 (the thing asked for does not exist)."""
    try:
        with errors(what):
            return call()
    except exceptions.CloudError as exc:
        if getattr(exc, 'status_code', None) == 404:
            return None
        raise
