"""The Quart app factory: registers the cross-cutting pieces and one blueprint per resource."""

from __future__ import annotations

from quart import Quart

from ..bootstrap import Services
from ..console import init_app as init_console
from . import (
    access,
    api_keys,
    auth,
    domains,
    drafts,
    errors,
    events,
    idempotency,
    inboxes,
    messages,
    ratelimit,
    stream,
    suppressions,
    system,
    threads,
    webhooks,
)
from .http import MAX_BODY

BLUEPRINTS = (system, domains, inboxes, messages, drafts, threads, webhooks, stream, events, suppressions, api_keys)


def create_app(svc: Services) -> Quart:
    app = Quart("mailman_services")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["mailman"] = svc
    # Order matters: before_request hooks run in this order, after_request hooks in the reverse one.
    access.init_app(app)
    auth.init_app(app, svc, ratelimit.RateLimiter(svc.settings))
    idempotency.init_app(app, svc)
    errors.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.blueprint)
    init_console(app)  # the web console at /ui: its own sessions, the same handlers and access rules
    return app
