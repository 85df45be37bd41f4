"""The SES wire format both backends share: SNS envelopes, and the SES ``Received`` notifications inside them.

SES announces received mail and sending events through SNS; the local backend announces its mail in the same
shapes (``inbound.queue_received``), so the inbound and telemetry handlers read one format.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..ports import LOCAL_BUCKET, PoisonMessage

LOCAL_TOPIC = "arn:aws:sns:local:000000000000:inbound_notification"
_CHECKS = ("spam", "virus", "spf", "dkim", "dmarc")
_VERDICTS = {"PASS": "pass", "FAIL": "fail", "GRAY": "gray", "PROCESSING_FAILED": "processing_failed"}


@dataclass(frozen=True)
class Notification:
    """What an SNS envelope carries; ``id`` is empty for a raw SQS delivery (no envelope)."""

    id: str
    message: dict[str, Any]


def unwrap_sns(body: str) -> Notification:
    """The notification inside an SNS envelope (or the notification itself, for raw SQS deliveries)."""
    try:
        envelope = json.loads(body)
        notification_id = str(envelope.get("MessageId") or "")
        inner = json.loads(envelope["Message"]) if envelope.get("Type") == "Notification" else envelope
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PoisonMessage(f"not an SNS notification: {exc}") from exc
    if not isinstance(inner, dict):
        raise PoisonMessage("the notification is not a JSON object")
    return Notification(notification_id, inner)


@dataclass(frozen=True)
class Received:
    """What the worker needs from an SES ``Received`` notification."""

    ses_message_id: str
    recipients: list[str]
    raw_bucket: str
    raw_key: str
    verdicts: dict[str, str]
    mail_from: str | None


def received(notification: dict[str, Any]) -> Received:
    try:
        mail, receipt = notification["mail"], notification["receipt"]
        action = receipt["action"]
        bucket, key = action["bucketName"], action["objectKey"]
        recipients = [str(r) for r in receipt.get("recipients") or mail["destination"]]
    except (KeyError, TypeError) as exc:
        raise PoisonMessage(f"not an SES Received notification: missing {exc}") from exc
    verdicts = {
        name: _VERDICTS.get(str((receipt.get(f"{name}Verdict") or {}).get("status", "")).upper(), "not_checked")
        for name in _CHECKS
    }
    return Received(str(mail["messageId"]), recipients, str(bucket), str(key), verdicts, mail.get("source"))


def received_locally(raw_key: str, message_id: str, mail_from: str, recipients: list[str]) -> Received:
    """What ``received`` reads from ``received_notification``'s message, without the JSON (the local SMTP listener
    stores what it takes itself): nothing was checked."""
    return Received(
        message_id, list(recipients), LOCAL_BUCKET, raw_key, dict.fromkeys(_CHECKS, "not_checked"), mail_from
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def received_notification(raw_key: str, message_id: str, mail_from: str, recipients: list[str]) -> str:
    """An SNS envelope around an SES ``Received`` notification for a raw message already stored."""
    now = _iso(datetime.now(UTC))
    disabled = {"status": "DISABLED"}
    notification = {
        "notificationType": "Received",
        "mail": {
            "timestamp": now,
            "source": mail_from,
            "messageId": message_id,
            "destination": recipients,
            "headersTruncated": False,
        },
        "receipt": {
            "timestamp": now,
            "processingTimeMillis": 0,
            "recipients": recipients,
            "spamVerdict": disabled,
            "virusVerdict": disabled,
            "spfVerdict": disabled,
            "dkimVerdict": disabled,
            "dmarcVerdict": disabled,
            "action": {"type": "S3", "topicArn": LOCAL_TOPIC, "bucketName": LOCAL_BUCKET, "objectKey": raw_key},
        },
    }
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": LOCAL_TOPIC,
        "Subject": "Amazon SES Email Receipt Notification",
        "Message": json.dumps(notification),
        "Timestamp": now,
    }
    return json.dumps(envelope)
