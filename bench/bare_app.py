"""The baseline for the API benchmark: a bare Quart JSON endpoint, served by hypercorn like the API."""

from __future__ import annotations

import sys

import anyio
from hypercorn.asyncio import serve
from hypercorn.config import Config
from quart import Quart

app = Quart(__name__)


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"id": "msg_01jd8x4m6k3q9v2r7t5w0y1z3a", "status": "ok"}


if __name__ == "__main__":
    config = Config()
    config.bind = [f"127.0.0.1:{sys.argv[1]}"]
    config.accesslog = None
    anyio.run(serve, app, config, backend_options={"use_uvloop": True})  # type: ignore[arg-type]  # as the API
