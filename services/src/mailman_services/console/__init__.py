"""The web console at /ui: server-rendered pages over the same handlers, views and access rules as /v1."""

from __future__ import annotations

from quart import Quart

from . import pages, session

# Once, at import: a blueprint takes no hooks after its first registration (an app made again, as tests do).
session.init_app(pages.blueprint)


def init_app(app: Quart) -> None:
    app.register_blueprint(pages.blueprint)
