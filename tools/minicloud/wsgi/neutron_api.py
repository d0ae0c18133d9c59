"""Neutron API WSGI entry point for gunicorn.

Reset argv (Neutron parses it with oslo.config at import).  Then import every
model and configure the SQLAlchemy mappers before the first request: without
it, GET /v2.0/ports fails with "Port has no attribute port_forwardings",
because that relationship is defined by a service-plugin model that the plain
API process never imports.
"""
import sys

sys.argv = sys.argv[:1]

from neutron.wsgi.api import application  # noqa: E402,F401
from neutron.db.migration.models import head  # noqa: E402,F401
import sqlalchemy.orm  # noqa: E402

sqlalchemy.orm.configure_mappers()
