"""Settings: defaults, and one clear error naming the variable for anything missing or malformed."""

from __future__ import annotations

from pathlib import Path

import pytest
from mailman_services.config import ConfigError, SmtpRelay, load_settings


def test_defaults_are_the_local_backend() -> None:
    settings = load_settings({})
    assert settings.backend == "local"
    assert settings.data_dir == Path(".mailman")
    assert settings.database_url is None and settings.api_token is None
    assert settings.default_domain == "mailman.test"
    assert settings.log_format == "json"
    assert settings.retention_days is None  # mail is kept
    assert load_settings({"MAILMAN_RETENTION_DAYS": "30"}).retention_days == 30
    assert load_settings({}).smtp_parsers == 2
    assert load_settings({"MAILMAN_SMTP_PARSERS": "0"}).smtp_parsers == 0


def test_values_are_read_and_normalised() -> None:
    settings = load_settings(
        {
            "MAILMAN_DEFAULT_DOMAIN": "Mail.Example.COM",
            "MAILMAN_SMTP_RELAY": "smtp://user%40x:p%3Ass@relay.example.com:587",
            "MAILMAN_DNS_RESOLVER": "127.0.0.1:5353",
            "MAILMAN_RATE_LIMIT_PER_SECOND": "0",
            "MAILMAN_DATABASE_URL": "postgresql://u:p@db/mailman",
        }
    )
    assert settings.default_domain == "mail.example.com"
    assert settings.smtp_relay == SmtpRelay("relay.example.com", 587, "user@x", "p:ss")
    assert settings.dns_resolver == ("127.0.0.1", 5353)
    assert settings.rate_limit_per_second == 0
    assert (settings.queue_visibility_scale, settings.queue_wait_seconds) == (1.0, 20)
    shortened = load_settings({"MAILMAN_QUEUE_VISIBILITY_SCALE": "0.1", "MAILMAN_QUEUE_WAIT_SECONDS": "1"})
    assert (shortened.queue_visibility_scale, shortened.queue_wait_seconds) == (0.1, 1)
    assert settings.stream_heartbeat_seconds == 15
    assert load_settings({"MAILMAN_STREAM_HEARTBEAT_SECONDS": "0.5"}).stream_heartbeat_seconds == 0.5


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MAILMAN_BACKEND": "gcp"}, "MAILMAN_BACKEND"),
        ({"MAILMAN_DATABASE_URL": "mysql://x"}, "MAILMAN_DATABASE_URL"),
        ({"MAILMAN_DEFAULT_DOMAIN": "not a domain"}, "MAILMAN_DEFAULT_DOMAIN"),
        ({"MAILMAN_API_TOKEN": "short"}, "MAILMAN_API_TOKEN"),
        ({"MAILMAN_SMTP_RELAY": "http://relay"}, "MAILMAN_SMTP_RELAY"),
        ({"MAILMAN_DNS_RESOLVER": "host:port"}, "MAILMAN_DNS_RESOLVER"),
        ({"MAILMAN_LOG_FORMAT": "xml"}, "MAILMAN_LOG_FORMAT"),
        ({"MAILMAN_RATE_LIMIT_BURST": "lots"}, "MAILMAN_RATE_LIMIT_BURST"),
        ({"MAILMAN_BACKEND": "aws"}, "MAILMAN_RAW_BUCKET"),
        ({"MAILMAN_QUEUE_VISIBILITY_SCALE": "soon"}, "MAILMAN_QUEUE_VISIBILITY_SCALE"),
        ({"MAILMAN_QUEUE_VISIBILITY_SCALE": "-1"}, "MAILMAN_QUEUE_VISIBILITY_SCALE"),
        ({"MAILMAN_QUEUE_VISIBILITY_SCALE": "0"}, "MAILMAN_QUEUE_VISIBILITY_SCALE"),
        ({"MAILMAN_QUEUE_WAIT_SECONDS": "21"}, "MAILMAN_QUEUE_WAIT_SECONDS"),
        ({"MAILMAN_QUEUE_WAIT_SECONDS": "0.5"}, "MAILMAN_QUEUE_WAIT_SECONDS"),
        ({"MAILMAN_STREAM_HEARTBEAT_SECONDS": "0"}, "MAILMAN_STREAM_HEARTBEAT_SECONDS"),
        ({"MAILMAN_RETENTION_DAYS": "0"}, "MAILMAN_RETENTION_DAYS"),
        ({"MAILMAN_SMTP_PARSERS": "-1"}, "MAILMAN_SMTP_PARSERS"),
        ({"MAILMAN_SMTP_PARSERS": "two"}, "MAILMAN_SMTP_PARSERS"),
        ({"MAILMAN_SMTP_PARSERS": "65"}, "MAILMAN_SMTP_PARSERS"),
        ({"MAILMAN_RETENTION_DAYS": "1.5"}, "MAILMAN_RETENTION_DAYS"),
        ({"MAILMAN_RETENTION_DAYS": "36501"}, "MAILMAN_RETENTION_DAYS"),
        ({"MAILMAN_RETENTION_DAYS": "forever"}, "MAILMAN_RETENTION_DAYS"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings(env)


def test_aws_backend_needs_a_database_url() -> None:
    env = {
        "MAILMAN_BACKEND": "aws",
        "MAILMAN_RAW_BUCKET": "raw",
        "MAILMAN_ATTACHMENTS_BUCKET": "att",
        "MAILMAN_INBOUND_QUEUE_URL": "https://sqs/inbound",
        "MAILMAN_OUTBOUND_QUEUE_URL": "https://sqs/outbound",
        "MAILMAN_TELEMETRY_QUEUE_URL": "https://sqs/telemetry",
        "MAILMAN_WEBHOOKS_QUEUE_URL": "https://sqs/webhooks.fifo",
        "MAILMAN_SES_CONFIGURATION_SET": "mailman",
    }
    with pytest.raises(ConfigError, match="MAILMAN_DATABASE_URL"):
        load_settings(env)
    settings = load_settings({**env, "MAILMAN_DATABASE_URL": "postgresql://db/mailman"})
    assert settings.queue_urls["webhooks"] == "https://sqs/webhooks.fifo"
    assert settings.default_domain is None
