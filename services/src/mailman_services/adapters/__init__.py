"""Adapters: what differs per backend (queues, blobs, mail, DNS) behind the ports; only bootstrap.py picks them."""
