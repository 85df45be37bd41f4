"""The aws backend's adapters: S3 for blobs, SQS for queues, SES for domain identities.

boto3 is blocking, so every call runs in a worker thread; clients are created once, lazily.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
from collections.abc import Sequence
from typing import Any

import anyio

from ..domain.mime import content_disposition
from ..ports import (
    QUEUES,
    Delivery,
    DnsRecord,
    OutgoingMessage,
    QueueMessage,
    QueueName,
    RecordStatus,
    SendResult,
    TemporaryFailure,
)
from .dns import DnsDomainAuthority

log = logging.getLogger("mailman.queue")


@functools.cache
def client(service: str) -> Any:
    import boto3

    return boto3.session.Session().client(service)


async def call(service: str, method: str, **kwargs: Any) -> Any:
    return await anyio.to_thread.run_sync(functools.partial(getattr(client(service), method), **kwargs))


class S3BlobStore:
    """Raw mail (``raw/…``) goes to the raw-mail bucket, everything else to the attachments bucket.

    Received mail is read from the bucket its receipt names, whatever the receipt rule's key prefix.
    """

    def __init__(self, raw_bucket: str, attachments_bucket: str) -> None:
        self.raw_bucket = raw_bucket
        self.attachments_bucket = attachments_bucket

    def _bucket(self, key: str) -> str:
        return self.raw_bucket if key.startswith("raw/") else self.attachments_bucket

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await call("s3", "put_object", Bucket=self._bucket(key), Key=key, Body=data, ContentType=content_type)

    async def get(self, key: str, bucket: str | None = None) -> bytes | None:
        s3 = client("s3")
        try:
            response = await call("s3", "get_object", Bucket=bucket or self._bucket(key), Key=key)
        except s3.exceptions.NoSuchKey:
            return None
        body: bytes = await anyio.to_thread.run_sync(response["Body"].read)
        return body

    async def download_url(self, key: str, filename: str | None, content_type: str) -> str | None:
        params = {"Bucket": self._bucket(key), "Key": key, "ResponseContentType": content_type}
        # Always a download: S3 cannot add the nosniff and sandbox headers the API sends with inline content.
        params["ResponseContentDisposition"] = content_disposition(filename or "attachment", inline=False)
        url: str = await call("s3", "generate_presigned_url", ClientMethod="get_object", Params=params, ExpiresIn=300)
        return url

    async def delete(self, key: str, bucket: str | None = None) -> None:
        # DeleteObject answers 204 for a key that is not there: deleting twice is fine.
        await call("s3", "delete_object", Bucket=bucket or self._bucket(key), Key=key)


SQS_BATCH = 10  # entries per SendMessageBatch / DeleteMessageBatch call


def _entry(message: OutgoingMessage) -> dict[str, Any]:
    entry: dict[str, Any] = {"MessageBody": message.body}
    if message.group_id is not None:
        entry["MessageGroupId"] = message.group_id
    if message.deduplication_id is not None:
        entry["MessageDeduplicationId"] = message.deduplication_id
    if message.delay_seconds and message.group_id is None:  # FIFO queues refuse per-message delays
        entry["DelaySeconds"] = min(message.delay_seconds, 900)
    return entry


def _raise_failed(response: dict[str, Any], action: str) -> None:
    if failed := response.get("Failed"):
        reasons = "; ".join(f"{f.get('Code')}: {f.get('Message')}" for f in failed)
        raise RuntimeError(f"SQS could not {action} {len(failed)} message(s): {reasons}")


class SqsQueue:
    """Each queue is an SQS queue; dead-lettering after max receives is its redrive policy (terraform)."""

    def __init__(
        self, queue_urls: dict[str, str] | Any, *, visibility_scale: float = 1.0, max_wait_seconds: int = 20
    ) -> None:
        """``visibility_scale`` multiplies each queue's visibility timeout (``QUEUES``, as terraform sets it) and
        ``max_wait_seconds`` caps a receive's long poll (``MAILMAN_QUEUE_VISIBILITY_SCALE``,
        ``MAILMAN_QUEUE_WAIT_SECONDS``). A long poll runs in a thread nothing can cancel: a worker told to stop
        waits for it, so tests shorten it."""
        self.queue_urls = dict(queue_urls)
        self.visibility_scale = visibility_scale
        self.max_wait_seconds = max_wait_seconds
        self._dead_letter_urls: dict[str, str] = {}

    async def send(
        self,
        queue: QueueName,
        body: str,
        *,
        group_id: str | None = None,
        deduplication_id: str | None = None,
        delay_seconds: int = 0,
    ) -> None:
        entry = _entry(OutgoingMessage(body, group_id, deduplication_id, delay_seconds))
        await call("sqs", "send_message", QueueUrl=self.queue_urls[queue], **entry)

    async def send_batch(self, queue: QueueName, messages: Sequence[OutgoingMessage]) -> None:
        for start in range(0, len(messages), SQS_BATCH):
            entries = [{"Id": str(n), **_entry(m)} for n, m in enumerate(messages[start : start + SQS_BATCH])]
            response = await call("sqs", "send_message_batch", QueueUrl=self.queue_urls[queue], Entries=entries)
            _raise_failed(response, "send")

    async def receive(self, queue: QueueName, *, max_messages: int = 10, wait_seconds: float = 0) -> list[QueueMessage]:
        # SQS's own limits: at most 10 messages and 20 seconds of long polling per call.
        scaled: dict[str, int] = {}
        spec = QUEUES.get(queue.removesuffix("-dlq"))  # type: ignore[call-overload]
        if self.visibility_scale != 1 and spec is not None:  # else the queue's own (terraform sets QUEUES')
            scaled["VisibilityTimeout"] = max(1, math.ceil(spec.visibility_timeout * self.visibility_scale))
        response = await call(
            "sqs",
            "receive_message",
            QueueUrl=self.queue_urls[queue],
            MaxNumberOfMessages=max(1, min(max_messages, 10)),
            WaitTimeSeconds=max(0, min(int(wait_seconds), self.max_wait_seconds, 20)),
            MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId"],
            **scaled,
        )
        return [
            QueueMessage(
                body=received["Body"],
                receipt=received["ReceiptHandle"],
                receive_count=int(received["Attributes"]["ApproximateReceiveCount"]),
                group_id=received["Attributes"].get("MessageGroupId"),
            )
            for received in response.get("Messages", [])
        ]

    async def delete(self, queue: QueueName, receipt: str) -> None:
        await call("sqs", "delete_message", QueueUrl=self.queue_urls[queue], ReceiptHandle=receipt)

    async def delete_batch(self, queue: QueueName, receipts: Sequence[str]) -> None:
        for start in range(0, len(receipts), SQS_BATCH):
            entries = [{"Id": str(n), "ReceiptHandle": r} for n, r in enumerate(receipts[start : start + SQS_BATCH])]
            response = await call("sqs", "delete_message_batch", QueueUrl=self.queue_urls[queue], Entries=entries)
            _raise_failed(response, "delete")

    async def change_visibility(self, queue: QueueName, receipt: str, timeout_seconds: int) -> None:
        await call(
            "sqs",
            "change_message_visibility",
            QueueUrl=self.queue_urls[queue],
            ReceiptHandle=receipt,
            VisibilityTimeout=timeout_seconds,
        )

    async def dead_letter(self, queue: QueueName, received: QueueMessage) -> bool:
        """Sent to the dead-letter queue of the queue's redrive policy, then deleted; a queue without one keeps
        the message, to be retried (and logs why)."""
        target = await self._dead_letter_url(queue)
        if target is None:
            log.warning("the queue has no redrive policy: the job stays, to be retried", extra={"queue": queue})
            return False
        # A FIFO dead-letter queue needs a deduplication id: the body's, so a send repeated after a crash is dropped.
        deduplication_id = hashlib.sha256(received.body.encode()).hexdigest() if received.group_id else None
        entry = _entry(OutgoingMessage(received.body, received.group_id, deduplication_id))
        await call("sqs", "send_message", QueueUrl=target, **entry)
        await self.delete(queue, received.receipt)
        return True

    async def _dead_letter_url(self, queue: QueueName) -> str | None:
        if queue not in self._dead_letter_urls:
            response = await call(
                "sqs", "get_queue_attributes", QueueUrl=self.queue_urls[queue], AttributeNames=["RedrivePolicy"]
            )
            policy = response.get("Attributes", {}).get("RedrivePolicy")
            if policy is None:
                return None  # not remembered: a policy added later is found without a restart
            # arn:aws:sqs:<region>:<account>:<name>
            *_, account, name = json.loads(policy)["deadLetterTargetArn"].split(":")
            found = await call("sqs", "get_queue_url", QueueName=name, QueueOwnerAWSAccountId=account)
            self._dead_letter_urls[queue] = str(found["QueueUrl"])
        return self._dead_letter_urls[queue]

    async def aclose(self) -> None:
        """Nothing to close: boto3 clients are shared and thread-safe."""


_DKIM_STATUS: dict[str, RecordStatus] = {"SUCCESS": "valid", "FAILED": "invalid"}


class SesDomainAuthority:
    """Records are what SES needs: Easy DKIM CNAMEs, MX to SES inbound, SPF and DMARC TXT.

    DKIM status comes from SES; the MX and TXT records are looked up in DNS.
    """

    def __init__(self, resolver: tuple[str, int] | None) -> None:
        self.dns = DnsDomainAuthority("", resolver)

    async def records(self, name: str, verification_token: str) -> list[DnsRecord]:
        try:
            identity = await call("sesv2", "create_email_identity", EmailIdentity=name)
        except client("sesv2").exceptions.AlreadyExistsException:
            identity = await call("sesv2", "get_email_identity", EmailIdentity=name)
        region = client("sesv2").meta.region_name
        records: list[DnsRecord] = [
            {
                "type": "CNAME",
                "name": f"{token}._domainkey.{name}",
                "value": f"{token}.dkim.amazonses.com",
                "priority": None,
                "status": "missing",
            }
            for token in identity.get("DkimAttributes", {}).get("Tokens", [])
        ]
        records += [
            {
                "type": "MX",
                "name": name,
                "value": f"inbound-smtp.{region}.amazonaws.com",
                "priority": 10,
                "status": "missing",
            },
            {
                "type": "TXT",
                "name": name,
                "value": "v=spf1 include:amazonses.com ~all",
                "priority": None,
                "status": "missing",
            },
            {
                "type": "TXT",
                "name": f"_dmarc.{name}",
                "value": "v=DMARC1; p=none",
                "priority": None,
                "status": "missing",
            },
        ]
        return records

    async def check(self, name: str, records: list[DnsRecord]) -> list[DnsRecord]:
        identity = await call("sesv2", "get_email_identity", EmailIdentity=name)
        dkim: RecordStatus = _DKIM_STATUS.get(identity.get("DkimAttributes", {}).get("Status", ""), "missing")
        looked_up = await self.dns.check(name, [r for r in records if r["type"] != "CNAME"])
        dkim_records: list[DnsRecord] = [{**r, "status": dkim} for r in records if r["type"] == "CNAME"]
        return dkim_records + looked_up


_THROTTLED = {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException"}


class SesTransport:
    """SES v2 SendEmail with the raw MIME and the configuration set; outcomes arrive later as SES events."""

    def __init__(self, configuration_set: str | None) -> None:
        self.configuration_set = configuration_set

    async def send(self, sender: str, recipients: list[str], raw: bytes) -> SendResult:
        from botocore.exceptions import ClientError

        kwargs: dict[str, Any] = {
            "FromEmailAddress": sender,
            # The envelope: Bcc recipients are not in the headers, so every recipient is listed here.
            "Destination": {"ToAddresses": recipients},
            "Content": {"Raw": {"Data": raw}},
        }
        if self.configuration_set:
            kwargs["ConfigurationSetName"] = self.configuration_set
        try:
            response = await call("sesv2", "send_email", **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            text = f"{error.get('Code')}: {error.get('Message')}"
            if error.get("Code") in _THROTTLED:
                raise TemporaryFailure(text) from exc
            return SendResult(None, [Delivery("failed", list(recipients), text)])
        return SendResult(str(response["MessageId"]), [])
