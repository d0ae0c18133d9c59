"""Placement WSGI entry point for gunicorn (config: OS_PLACEMENT_CONFIG_DIR).

Reset argv: Placement parses it with oslo.config while importing.
"""
import sys

sys.argv = sys.argv[:1]

from placement.wsgi.api import application  # noqa: E402,F401
