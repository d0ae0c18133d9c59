"""Keystone WSGI entry point for gunicorn.

Keystone parses sys.argv with oslo.config while importing; gunicorn's own
arguments would be taken for Keystone's, so reset argv first.
"""
import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402,F401
