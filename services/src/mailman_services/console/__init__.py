"""The web console at /ui: server-rendered pages over the same handlers, views and access rules as /v1."""

from __future__ import annotations

from quart import Quart

from . import pages, session


def init_app(app: Quart) -> None:
    session.init_app(pages.blueprint)
    app.register_blueprint(pages.blueprint)
