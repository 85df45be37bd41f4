"""The HTTP API: a Quart app factory and one blueprint per resource."""
