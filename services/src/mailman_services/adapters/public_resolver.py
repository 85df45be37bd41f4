"""The resolver webhook connections use where URLs must be public (the aws backend): no private address."""

from __future__ import annotations

import socket
from typing import Any

import aiohttp

from ..domain.network import is_public


class PublicResolver(aiohttp.ThreadedResolver):
    """A resolver that never hands aiohttp a private address: the connection itself cannot be rebound."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> Any:
        found = await super().resolve(host, port, family)
        public = [info for info in found if is_public(info["host"])]
        if not public:
            raise OSError(f"{host} resolves only to private addresses")
        return public
