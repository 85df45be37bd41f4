"""The one Settings object, read from ``MAILMAN_*`` environment variables once at start.

A missing or malformed setting raises :class:`ConfigError` naming the variable, and the CLI turns it
into one clear line and exit status 2.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

Backend = Literal["local", "aws"]
LogFormat = Literal["json", "console"]

_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class SmtpRelay:
    host: str
    port: int
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Settings:
    backend: Backend = "local"
    data_dir: Path = Path(".mailman")
    database_url: str | None = None
    api_token: str | None = None
    default_domain: str | None = "mailman.test"
    smtp_relay: SmtpRelay | None = None
    smtp_hostname: str = "localhost"
    smtp_parsers: int = 2  # processes that parse the mail the SMTP listener takes; 0: a thread of its own process
    dns_resolver: tuple[str, int] | None = None
    log_format: LogFormat = "json"
    rate_limit_per_second: float = 50.0
    rate_limit_burst: int = 100
    outbound_retry_seconds: int = 60
    webhook_retry_scale: float = 1.0
    queue_visibility_scale: float = 1.0  # multiplies every queue's visibility timeout (tests shorten it)
    queue_wait_seconds: int = 20  # the longest one receive long-polls (tests shorten it so a worker stops at once)
    webhook_private_networks: bool = False  # aws: let webhooks reach private addresses (receivers in the VPC)
    stream_heartbeat_seconds: float = 15.0  # a comment on idle event streams (tests shorten it)
    stream_buffer: int = 1000  # live events a stream subscriber may fall behind by before it is ended
    raw_bucket: str | None = None
    attachments_bucket: str | None = None
    queue_urls: Mapping[str, str] = field(default_factory=dict)
    ses_configuration_set: str | None = None
    retention_days: int | None = None  # the retention_days of inboxes created without one; None: keep mail

    @property
    def webhooks_public_only(self) -> bool:
        """Whether webhook URLs must resolve to public addresses: aws backend, unless allowed (docs/architecture.md)."""
        return self.backend == "aws" and not self.webhook_private_networks

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


AWS_REQUIRED = (
    "MAILMAN_RAW_BUCKET",
    "MAILMAN_ATTACHMENTS_BUCKET",
    "MAILMAN_INBOUND_QUEUE_URL",
    "MAILMAN_OUTBOUND_QUEUE_URL",
    "MAILMAN_TELEMETRY_QUEUE_URL",
    "MAILMAN_WEBHOOKS_QUEUE_URL",
    "MAILMAN_SES_CONFIGURATION_SET",
)


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = _get(env, name) or default
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)} (got {value!r})")
    return value


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number (got {raw!r})") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative (got {raw!r})")
    return value


def _visibility_scale(env: Mapping[str, str]) -> float:
    name = "MAILMAN_QUEUE_VISIBILITY_SCALE"
    scale = _number(env, name, 1.0)
    if scale == 0:  # every receive would hand a job in flight out again, to another consumer
        raise ConfigError(f"{name} must be greater than 0 (got {_get(env, name)!r})")
    return scale


def _wait_seconds(env: Mapping[str, str]) -> int:
    name = "MAILMAN_QUEUE_WAIT_SECONDS"
    seconds = _number(env, name, 20)
    if seconds != int(seconds) or seconds > 20:  # SQS's own limit: 0 to 20 whole seconds of long polling
        raise ConfigError(f"{name} must be a whole number from 0 to 20 (got {_get(env, name)!r})")
    return int(seconds)


def _heartbeat(env: Mapping[str, str]) -> float:
    name = "MAILMAN_STREAM_HEARTBEAT_SECONDS"
    seconds = _number(env, name, 15.0)
    if seconds == 0:  # a heartbeat without pause
        raise ConfigError(f"{name} must be greater than 0 (got {_get(env, name)!r})")
    return seconds


def _count(env: Mapping[str, str], name: str, default: int, most: int = 64) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > most:
        raise ConfigError(f"{name} must be a whole number from 0 to {most} (got {raw!r})")
    return int(raw)


MAX_RETENTION_DAYS = 36_500


def _retention_days(env: Mapping[str, str]) -> int | None:
    name = "MAILMAN_RETENTION_DAYS"
    raw = _get(env, name)
    if raw is None:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
        raise ConfigError(f"{name} must be a whole number of days from 1 to {MAX_RETENTION_DAYS} (got {raw!r})")
    return int(raw)


def parse_smtp_relay(raw: str) -> SmtpRelay:
    parts = urlsplit(raw)
    if parts.scheme != "smtp" or not parts.hostname:
        raise ConfigError(f"MAILMAN_SMTP_RELAY must look like smtp://[user:pass@]host:port (got {raw!r})")
    try:
        port = parts.port or 25
    except ValueError:
        raise ConfigError(f"MAILMAN_SMTP_RELAY has a bad port (got {raw!r})") from None
    return SmtpRelay(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _host_port(name: str, raw: str, default_port: int) -> tuple[str, int]:
    host, _, port = raw.rpartition(":") if ":" in raw else (raw, "", str(default_port))
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{name} must look like host[:port] (got {raw!r})")
    return host, int(port)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read every ``MAILMAN_*`` setting, raising :class:`ConfigError` on the first bad one."""
    env = os.environ if env is None else env
    backend = _choice(env, "MAILMAN_BACKEND", ("local", "aws"), "local")
    database_url = _get(env, "MAILMAN_DATABASE_URL")
    if database_url is not None and not database_url.startswith(("postgresql://", "postgresql+psycopg://")):
        raise ConfigError(f"MAILMAN_DATABASE_URL must start with postgresql:// (got {database_url!r})")
    default_domain = _get(env, "MAILMAN_DEFAULT_DOMAIN") or ("mailman.test" if backend == "local" else None)
    if default_domain is not None:
        default_domain = default_domain.lower()
        if not _DOMAIN_RE.match(default_domain):
            raise ConfigError(f"MAILMAN_DEFAULT_DOMAIN must be a domain name (got {default_domain!r})")
    api_token = _get(env, "MAILMAN_API_TOKEN")
    if api_token is not None and len(api_token) < 16:
        raise ConfigError("MAILMAN_API_TOKEN must be at least 16 characters long")
    relay = _get(env, "MAILMAN_SMTP_RELAY")
    resolver = _get(env, "MAILMAN_DNS_RESOLVER")
    settings = Settings(
        backend=backend,  # type: ignore[arg-type]
        data_dir=Path(_get(env, "MAILMAN_DATA_DIR") or ".mailman"),
        database_url=database_url,
        api_token=api_token,
        default_domain=default_domain,
        smtp_relay=parse_smtp_relay(relay) if relay else None,
        smtp_hostname=_get(env, "MAILMAN_SMTP_HOSTNAME") or "localhost",
        smtp_parsers=_count(env, "MAILMAN_SMTP_PARSERS", 2),
        dns_resolver=_host_port("MAILMAN_DNS_RESOLVER", resolver, 53) if resolver else None,
        log_format=_choice(env, "MAILMAN_LOG_FORMAT", ("json", "console"), "json"),  # type: ignore[arg-type]
        rate_limit_per_second=_number(env, "MAILMAN_RATE_LIMIT_PER_SECOND", 50.0),
        rate_limit_burst=int(_number(env, "MAILMAN_RATE_LIMIT_BURST", 100)),
        outbound_retry_seconds=max(1, int(_number(env, "MAILMAN_OUTBOUND_RETRY_SECONDS", 60))),
        webhook_retry_scale=_number(env, "MAILMAN_WEBHOOK_RETRY_SCALE", 1.0),
        queue_visibility_scale=_visibility_scale(env),
        queue_wait_seconds=_wait_seconds(env),
        webhook_private_networks=_choice(env, "MAILMAN_WEBHOOK_PRIVATE_NETWORKS", ("false", "true"), "false") == "true",
        stream_heartbeat_seconds=_heartbeat(env),
        stream_buffer=max(1, int(_number(env, "MAILMAN_STREAM_BUFFER", 1000))),
        raw_bucket=_get(env, "MAILMAN_RAW_BUCKET"),
        attachments_bucket=_get(env, "MAILMAN_ATTACHMENTS_BUCKET"),
        queue_urls={
            name: url
            for name in ("inbound", "outbound", "telemetry", "webhooks")
            if (url := _get(env, f"MAILMAN_{name.upper()}_QUEUE_URL"))
        },
        ses_configuration_set=_get(env, "MAILMAN_SES_CONFIGURATION_SET"),
        retention_days=_retention_days(env),
    )
    if backend == "aws":
        for name in AWS_REQUIRED:
            if _get(env, name) is None:
                raise ConfigError(f"{name} is required when MAILMAN_BACKEND=aws")
        if database_url is None:
            raise ConfigError("MAILMAN_DATABASE_URL is required when MAILMAN_BACKEND=aws")
    return settings
