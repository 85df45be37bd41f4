"""Adapters: PostgreSQL, files, queues and DNS behind the ports; only bootstrap.py picks them."""
