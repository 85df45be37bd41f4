"""Mailman services: the HTTP API, the worker, the SMTP ingress and the ``mailman-server`` CLI."""

__version__ = "0.1.0"
