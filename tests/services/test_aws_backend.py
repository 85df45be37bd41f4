"""The API on the aws backend: SES identities, S3 blobs and SQS queues, against a moto server on loopback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import psycopg
import pytest
from mailman_services.ports import QUEUES
from moto.server import ThreadedMotoServer

from tests.conftest import TOKEN, Stack, Zone, free_port
from tests.services.test_pipeline import wait_for
from tests.services.test_webhook_delivery import Receiver, hook, verified

REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto() -> Iterator[dict[str, str]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    yield env
    server.stop()


def aws(service: str, moto_env: dict[str, str]) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto_env["AWS_ENDPOINT_URL"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@contextmanager
def aws_backend(
    stack: Stack, moto: dict[str, str], dns_zone: tuple[Zone, int], name: str, settings: dict[str, str]
) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """`mailman-server api` and `worker` with MAILMAN_BACKEND=aws, on a migrated database, buckets, queues and
    an SNS topic for SES receipts, all of their own (``name``)."""
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS aws_{name}")
        conn.execute(f"CREATE DATABASE aws_{name}")
    s3, sqs, sns = aws("s3", moto), aws("sqs", moto), aws("sns", moto)
    for bucket in (f"{name}-raw", f"{name}-attachments"):
        s3.create_bucket(Bucket=bucket)
    queues: dict[str, str] = {}
    dead_letters: dict[str, str] = {}
    for queue, spec in QUEUES.items():  # each with a dead-letter queue after its max receives, as terraform has
        fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if spec.fifo else {}
        suffix = ".fifo" if spec.fifo else ""
        dead_letters[queue] = sqs.create_queue(QueueName=f"{name}-{queue}-dlq{suffix}", Attributes=fifo)["QueueUrl"]
        target = sqs.get_queue_attributes(QueueUrl=dead_letters[queue], AttributeNames=["QueueArn"])["Attributes"]
        redrive = json.dumps({"deadLetterTargetArn": target["QueueArn"], "maxReceiveCount": spec.max_receives})
        queues[queue] = sqs.create_queue(
            QueueName=f"{name}-{queue}{suffix}", Attributes={**fifo, "RedrivePolicy": redrive}
        )["QueueUrl"]
    topic = sns.create_topic(Name=f"{name}-inbound")["TopicArn"]
    inbound = sqs.get_queue_attributes(QueueUrl=queues["inbound"], AttributeNames=["QueueArn"])["Attributes"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbound["QueueArn"])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILMAN_")},
        **moto,
        "MAILMAN_BACKEND": "aws",
        "MAILMAN_DATABASE_URL": f"postgresql://postgres@/aws_{name}?host={socket_dir}",
        "MAILMAN_API_TOKEN": TOKEN,
        "MAILMAN_RAW_BUCKET": f"{name}-raw",
        "MAILMAN_ATTACHMENTS_BUCKET": f"{name}-attachments",
        "MAILMAN_SES_CONFIGURATION_SET": "mailman",
        "MAILMAN_DNS_RESOLVER": f"127.0.0.1:{dns_zone[1]}",
        "MAILMAN_RATE_LIMIT_PER_SECOND": "0",
        # Long polls of 1 s, not 20: the worker stops only once the SQS poll in progress has returned.
        "MAILMAN_QUEUE_WAIT_SECONDS": "1",
        **{f"MAILMAN_{q.upper()}_QUEUE_URL": url for q, url in queues.items()},
        **settings,
    }
    cli = [sys.executable, "-m", "mailman_services.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    log_path = stack.data_dir / f"aws-{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [*cli, "api", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    worker = subprocess.Popen([*cli, "worker"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                break
        except httpx.TransportError:
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
    clients = {
        "queues": queues,
        "dead_letters": dead_letters,
        "s3": s3,
        "sqs": sqs,
        "sns": sns,
        "topic": topic,
        "bucket": f"{name}-raw",
    }
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
        yield client, {**clients, "sesv2": aws("sesv2", moto), "moto": moto}
    process.terminate()
    worker.terminate()
    assert process.wait(timeout=30) == 0
    assert worker.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def aws_api(
    stack: Stack, moto: dict[str, str], dns_zone: tuple[Zone, int]
) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    with aws_backend(stack, moto, dns_zone, "mailman", {}) as running:
        yield running


@pytest.fixture(scope="module")
def aws_webhooks_api(
    stack: Stack, moto: dict[str, str], dns_zone: tuple[Zone, int]
) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """A second aws backend whose webhooks may reach a receiver on loopback (`aws_api` keeps refusing private
    URLs), retrying 10,000 times sooner than in production."""
    settings = {"MAILMAN_WEBHOOK_PRIVATE_NETWORKS": "true", "MAILMAN_WEBHOOK_RETRY_SCALE": "0.0001"}
    with aws_backend(stack, moto, dns_zone, "webhooks", settings) as running:
        yield running


def ses_receives(
    clients: dict[str, Any], raw: bytes, recipient: str, prefix: str = "raw/inbound/", **verdicts: str
) -> dict[str, Any]:
    """What SES receipt rules do: store the raw message in the raw bucket under the rule's key prefix, then
    publish the Received notification on the SNS topic the inbound queue subscribes to. Returns the notification."""
    key = f"{prefix}{uuid.uuid4().hex}"
    clients["s3"].put_object(Bucket=clients["bucket"], Key=key, Body=raw)
    checks = ("spam", "virus", "spf", "dkim", "dmarc")
    notification = {
        "notificationType": "Received",
        "mail": {"messageId": uuid.uuid4().hex, "source": "ada@example.com", "destination": [recipient]},
        "receipt": {
            "recipients": [recipient],
            **{f"{check}Verdict": {"status": verdicts.get(check, "PASS")} for check in checks},
            "action": {"type": "S3", "topicArn": clients["topic"], "bucketName": clients["bucket"], "objectKey": key},
        },
    }
    clients["sns"].publish(TopicArn=clients["topic"], Message=json.dumps(notification))
    return notification


def test_aws_backend_end_to_end(aws_api: tuple[httpx.Client, dict[str, Any]], dns_zone: tuple[Zone, int]) -> None:
    api, clients = aws_api
    name = f"aws{uuid.uuid4().hex[:8]}.example.com"
    domain = api.post("/v1/domains", json={"name": name}).json()
    assert clients["sesv2"].get_email_identity(EmailIdentity=name)["IdentityType"] == "DOMAIN"
    records = {(r["type"], r["name"]): r["value"] for r in domain["records"]}
    assert records[("MX", name)] == f"inbound-smtp.{REGION}.amazonaws.com"
    assert records[("TXT", name)] == "v=spf1 include:amazonses.com ~all"
    assert records[("TXT", f"_dmarc.{name}")].startswith("v=DMARC1")

    no_default = api.post("/v1/inboxes", json={})
    assert no_default.status_code == 422 and no_default.json()["errors"][0]["field"] == "domain_id"
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"}).json()
    refused = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["a@example.com"], "text": "x"})
    assert refused.json()["code"] == "domain_not_verified"

    zone, _ = dns_zone
    for record in domain["records"]:
        if record["type"] == "MX":
            zone.publish(f"{record['name']}. 60 IN MX 10 {record['value']}.")
        else:
            zone.publish(f'{record["name"]}. 60 IN TXT "{record["value"]}"')
    assert api.post(f"/v1/domains/{domain['id']}/verify").json()["status"] == "verified"

    pdf = b"%PDF-1.4 aws backend attachment"
    attachment = {"filename": "a.pdf", "content_type": "application/pdf", "content": base64.b64encode(pdf).decode()}
    sent = api.post(
        f"/v1/inboxes/{inbox['id']}/messages",
        json={"to": ["a@example.com"], "subject": "From SES", "text": "hi", "attachments": [attachment]},
    ).json()
    assert sent["status"] == "queued"
    raw = clients["s3"].get_object(Bucket="mailman-raw", Key=f"raw/{sent['id']}.eml")["Body"].read()
    assert f"Message-ID: {sent['message_id']}".encode() in raw
    assert api.get(f"/v1/messages/{sent['id']}/raw").content == raw
    sha = sent["attachments"][0]["sha256"]
    stored = clients["s3"].get_object(Bucket="mailman-attachments", Key=f"attachments/{sha[:2]}/{sha}")
    assert stored["Body"].read() == pdf
    download = api.get(f"/v1/messages/{sent['id']}/attachments/{sent['attachments'][0]['id']}")
    assert download.status_code == 302
    assert httpx.get(download.headers["location"]).content == pdf  # the presigned URL works
    query = parse_qs(urlsplit(download.headers["location"]).query)
    assert query["response-content-disposition"] == ["attachment; filename*=UTF-8''a.pdf"]  # RFC 5987, escaped

    # The worker takes the outbound job and sends through SES v2 (moto records it).
    deadline = time.monotonic() + 30
    while (current := api.get(f"/v1/messages/{sent['id']}").json())["status"] in ("queued", "sending"):
        assert time.monotonic() < deadline, current
        time.sleep(0.2)
    assert current["status"] == "sent" and current["provider_message_id"]

    # SES reports a permanent bounce through the configuration set's SNS topic, and SNS delivers that one
    # notification (one MessageId) twice to the telemetry queue.
    topic = "arn:aws:sns:us-east-1:123456789012:delivery_events"
    bounce = {
        "eventType": "Bounce",
        "mail": {"messageId": current["provider_message_id"], "destination": ["a@example.com"]},
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": "a@example.com", "action": "failed", "diagnosticCode": "smtp; 550 5.1.1 unknown"}
            ],
        },
    }
    envelope = {
        "Type": "Notification",
        "MessageId": str(uuid.uuid4()),
        "TopicArn": topic,
        "Message": json.dumps(bounce),
    }
    for _ in range(2):
        clients["sqs"].send_message(QueueUrl=clients["queues"]["telemetry"], MessageBody=json.dumps(envelope))
    while api.get(f"/v1/messages/{sent['id']}").json()["status"] != "bounced":
        assert time.monotonic() < deadline + 30
        time.sleep(0.2)
    time.sleep(1)
    bounced = api.get("/v1/events", params={"message_id": sent["id"], "type": "message.bounced"}).json()["data"]
    assert len(bounced) == 1
    assert bounced[0]["data"]["bounce"]["type"] == "permanent" and bounced[0]["data"]["recipients"] == ["a@example.com"]
    suppressed = {s["address"]: s["reason"] for s in api.get("/v1/suppressions", params={"limit": 100}).json()["data"]}
    assert suppressed["a@example.com"] == "bounce"

    for private in (
        "http://127.0.0.1:8080/hook",
        "https://10.1.2.3/hook",
        "http://[fe80::1]/hook",
        "http://169.254.169.254/",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata service
        "http://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
    ):
        refused = api.post("/v1/webhooks", json={"url": private, "events": ["webhook.test"]})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "url", private
    # A public address (no DNS here); nothing answers it from this sandbox, so the attempt fails.
    webhook = api.post("/v1/webhooks", json={"url": "https://93.184.216.34/h", "events": ["webhook.test"]}).json()
    delivery = api.post(f"/v1/webhooks/{webhook['id']}/test").json()
    # The worker takes the job from the SQS FIFO queue and tries the endpoint (unreachable from here).
    deadline = time.monotonic() + 30
    while (attempts := api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"])[-1]["status"] == "pending":
        assert time.monotonic() < deadline, attempts
        time.sleep(0.2)
    first = attempts[-1]
    assert first["id"] == delivery["id"] and first["status"] == "failed" and first["response_body"]


def test_aws_inbound_from_ses_through_sns(aws_api: tuple[httpx.Client, dict[str, Any]]) -> None:
    api, clients = aws_api
    domain = api.post("/v1/domains", json={"name": f"in{uuid.uuid4().hex[:8]}.example.com"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"}).json()
    raw = (
        f"From: Ada <ada@example.com>\r\nTo: {inbox['address']}\r\nSubject: Via SES\r\n"
        "Message-ID: <via-ses@example.com>\r\n\r\nHello from SES\r\n"
    ).encode()
    verdicts = {"spf": "GRAY", "dkim": "FAIL", "dmarc": "PROCESSING_FAILED"}
    notification = ses_receives(clients, raw, inbox["address"], **verdicts)
    # SNS may deliver twice: the message is stored once
    clients["sns"].publish(TopicArn=clients["topic"], Message=json.dumps(notification))

    deadline = time.monotonic() + 30
    while not (stored := api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1)
    [message] = api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]
    assert message["id"] == stored[0]["id"] and message["subject"] == "Via SES"
    assert message["text"].strip() == "Hello from SES"
    assert message["verdicts"] == {
        "spam": "pass",
        "virus": "pass",
        "spf": "gray",
        "dkim": "fail",
        "dmarc": "processing_failed",
    }


def test_aws_inbound_reads_the_bucket_and_key_its_receipt_names(aws_api: tuple[httpx.Client, dict[str, Any]]) -> None:
    """A receipt rule may write under any prefix (here ``incoming/``, not ``raw/``): the mail is stored, and its raw
    copy is read back from where the rule put it."""
    api, clients = aws_api
    domain = api.post("/v1/domains", json={"name": f"prefix{uuid.uuid4().hex[:8]}.example.com"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"}).json()
    raw = f"From: ada@example.com\r\nTo: {inbox['address']}\r\nSubject: Any prefix\r\n\r\nHello\r\n".encode()
    notification = ses_receives(clients, raw, inbox["address"], prefix="incoming/")
    assert notification["receipt"]["action"]["objectKey"].startswith("incoming/")

    [message] = wait_for(lambda: api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"], timeout=30)
    assert message["subject"] == "Any prefix"
    assert api.get(f"/v1/messages/{message['id']}/raw").content == raw


@pytest.mark.slow
def test_aws_webhook_is_retried_through_sqs_fifo_and_keeps_the_inbox_order(
    aws_webhooks_api: tuple[httpx.Client, dict[str, Any]],
) -> None:
    """tests/services/test_webhook_delivery.py's flow on the aws backend: mail arrives from SES, its event goes
    through the SQS FIFO queue to a receiver answering 500, 500, then 200, and the inbox's next event waits."""
    api, clients = aws_webhooks_api
    domain = api.post("/v1/domains", json={"name": f"hooks{uuid.uuid4().hex[:8]}.example.com"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"}).json()
    receiver = Receiver()
    path = "/aws"
    # The first attempt is refused for 3 s (Retry-After): the inbox's second message arrives in the meantime.
    receiver.script[path] = [(500, {"Retry-After": "3"}), (500, {})]
    webhook = hook(api, receiver.url + path, ["message.received"], [inbox["id"]])
    assert webhook["secret"].startswith("whsec_")

    def arrives(subject: str) -> None:
        raw = f"From: ada@example.com\r\nTo: {inbox['address']}\r\nSubject: {subject}\r\n\r\n{subject}\r\n"
        ses_receives(clients, raw.encode(), inbox["address"])

    def deliveries() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
        return rows

    try:
        arrives("first")
        deadline = time.monotonic() + 30
        while not receiver.at(path):
            assert time.monotonic() < deadline, f"nothing reached the receiver; deliveries: {deliveries()}"
            time.sleep(0.05)
        arrives("second")
        wait_for(lambda: len(api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]) == 2)
        assert len(receiver.at(path)) == 1  # the second event is queued while the first one waits
        # moto (5.2) returns a FIFO message made visible by ChangeMessageVisibility(0) only to a receive started
        # after that: the worker's pending long poll misses it (1 s here, MAILMAN_QUEUE_WAIT_SECONDS).
        wait_for(lambda: len(receiver.at(path)) >= 4, timeout=45)
        time.sleep(1)  # and nothing more comes
        attempts = receiver.at(path)
    finally:
        receiver.server.shutdown()
    events = [verified(webhook["secret"], headers, body) for headers, body, _ in attempts]
    assert [event["data"]["message"]["subject"] for event in events] == ["first", "first", "first", "second"]
    assert [headers["webhook-id"] for headers, _, _ in attempts] == [events[0]["id"]] * 3 + [events[3]["id"]]
    assert events[0]["id"] != events[3]["id"]
    assert attempts[1][2] - attempts[0][2] >= 2.5  # Retry-After was honoured

    def recorded(event_id: str) -> list[tuple[int, str, int]]:
        mine = sorted(
            (d["attempt"], d["status"], d["response_status"]) for d in deliveries() if d["event_id"] == event_id
        )
        return mine if mine and mine[-1][1] == "succeeded" else []

    assert wait_for(lambda: recorded(events[0]["id"])) == [
        (1, "failed", 500),
        (2, "failed", 500),
        (3, "succeeded", 200),
    ]
    assert wait_for(lambda: recorded(events[3]["id"])) == [(1, "succeeded", 200)]


def verified_domain(api: httpx.Client, dns_zone: tuple[Zone, int]) -> dict[str, Any]:
    domain = api.post("/v1/domains", json={"name": f"aws{uuid.uuid4().hex[:8]}.example.com"}).json()
    zone, _ = dns_zone
    for record in domain["records"]:
        if record["type"] == "MX":
            zone.publish(f"{record['name']}. 60 IN MX 10 {record['value']}.")
        elif record["type"] == "TXT":
            zone.publish(f'{record["name"]}. 60 IN TXT "{record["value"]}"')
    assert api.post(f"/v1/domains/{domain['id']}/verify").json()["status"] == "verified"
    found: dict[str, Any] = domain
    return found


def test_a_send_whose_queue_fails_after_the_commit_is_sent_once(
    aws_api: tuple[httpx.Client, dict[str, Any]], dns_zone: tuple[Zone, int]
) -> None:
    """The job rides in the transaction that stores the message (an outbox row): SQS failing afterwards costs
    a delay, never the message, and the client sees one 202 for one message."""
    api, clients = aws_api
    domain = verified_domain(api, dns_zone)
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "outbox"}).json()
    sqs, url = clients["sqs"], clients["queues"]["outbound"]
    sqs.delete_queue(QueueUrl=url)  # SQS is unreachable for this queue until it is created again
    try:
        subject = f"outbox {uuid.uuid4().hex[:8]}"
        response = api.post(
            f"/v1/inboxes/{inbox['id']}/messages",
            json={"to": [f"{uuid.uuid4().hex[:8]}@example.com"], "subject": subject, "text": "hi"},
        )
        assert response.status_code == 202, response.text
        time.sleep(1.5)  # the worker's relay tries too, and fails as well
        assert api.get(f"/v1/messages/{response.json()['id']}").json()["status"] == "queued"
    finally:
        assert sqs.create_queue(QueueName=url.rsplit("/", 1)[1])["QueueUrl"] == url
    deadline = time.monotonic() + 30
    while (current := api.get(f"/v1/messages/{response.json()['id']}").json())["status"] in ("queued", "sending"):
        assert time.monotonic() < deadline, current
        time.sleep(0.2)
    assert current["status"] == "sent"
    sent = api.get(f"/v1/inboxes/{inbox['id']}/messages", params={"direction": "outbound"}).json()["data"]
    assert [m["subject"] for m in sent] == [subject]
    events = api.get("/v1/events", params={"message_id": current["id"], "type": "message.sent"}).json()["data"]
    assert len(events) == 1


def test_aws_jobs_that_can_never_be_handled_go_to_the_dead_letter_queue_at_once(
    aws_api: tuple[httpx.Client, dict[str, Any]],
) -> None:
    """Malformed JSON on the inbound and telemetry queues, and an SES notification whose raw mail is not in S3,
    reach their dead-letter queues in seconds, not after 5 or 10 receives a visibility timeout apart."""
    api, clients = aws_api
    sqs = clients["sqs"]
    domain = api.post("/v1/domains", json={"name": f"dlq{uuid.uuid4().hex[:8]}.example.com"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"}).json()
    marker = uuid.uuid4().hex
    for queue in ("inbound", "telemetry"):
        sqs.send_message(QueueUrl=clients["queues"][queue], MessageBody=f"not json {marker}")
    key = f"raw/inbound/{marker}"  # never stored
    notification = {
        "notificationType": "Received",
        "mail": {"messageId": marker, "source": "ada@example.com", "destination": [inbox["address"]]},
        "receipt": {"recipients": [inbox["address"]], "action": {"type": "S3", "objectKey": key}},
    }
    clients["sns"].publish(TopicArn=clients["topic"], Message=json.dumps(notification))

    arrived: list[str] = []

    def dead_lettered() -> list[str]:
        for queue in ("inbound", "telemetry"):
            url = clients["dead_letters"][queue]
            for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
                if marker in message["Body"]:
                    arrived.append(queue)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return sorted(arrived) if len(arrived) == 3 else []

    assert wait_for(dead_lettered, timeout=20) == ["inbound", "inbound", "telemetry"]


def test_aws_a_reply_to_a_sender_ses_cannot_reach_names_it(aws_api: tuple[httpx.Client, dict[str, Any]]) -> None:
    api, clients = aws_api
    inbox = api.post("/v1/inboxes", json={"domain_id": any_domain_id(api)}).json()
    raw = f"From: root@vm\r\nTo: {inbox['address']}\r\nSubject: from swaks\r\n\r\nhello\r\n".encode()
    ses_receives(clients, raw, inbox["address"])
    [received] = wait_for(lambda: api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"], timeout=30)
    reply = api.post(f"/v1/messages/{received['id']}/reply", json={"text": "hi"})
    assert reply.status_code == 422 and reply.json()["code"] == "unsendable_recipient"
    assert "root@vm" in reply.json()["detail"] and reply.json()["errors"][0]["field"] == "to"


def any_domain_id(api: httpx.Client) -> str:
    """Any domain of this backend: a reply's recipients are judged before its domain is."""
    name = f"aws{uuid.uuid4().hex[:8]}.example.com"
    return str(api.post("/v1/domains", json={"name": name}).json()["id"])


def aws_raw_with_attachment(inbox: dict[str, Any], subject: str, attachment: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = "ada@example.com"
    message["To"] = inbox["address"]
    message["Subject"] = subject
    message.set_content("the kiwi body")
    message.add_attachment(attachment, maintype="application", subtype="pdf", filename="a.pdf")
    return message.as_bytes()


def s3_has(clients: dict[str, Any], bucket: str, key: str) -> bool:
    return bool(clients["s3"].list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount"))


def aws_received(api: httpx.Client, clients: dict[str, Any], inbox: dict[str, Any], subject: str) -> Any:
    """A mail with an attachment of its own received through SES; returns the message whole, its raw key and
    its attachment's key."""
    attachment = b"%PDF-1.4 " + uuid.uuid4().bytes
    notification = ses_receives(clients, aws_raw_with_attachment(inbox, subject, attachment), inbox["address"])
    [listed] = wait_for(lambda: api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"], timeout=30)
    message = api.get(f"/v1/messages/{listed['id']}").json()
    sha = message["attachments"][0]["sha256"]
    return message, notification["receipt"]["action"]["objectKey"], f"attachments/{sha[:2]}/{sha}"


def test_aws_delete_removes_the_raw_copy_and_attachment_from_s3(aws_api: tuple[httpx.Client, dict[str, Any]]) -> None:
    api, clients = aws_api
    domain = api.post("/v1/domains", json={"name": f"del{uuid.uuid4().hex[:8]}.example.com"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"}).json()
    message, raw_key, attachment_key = aws_received(api, clients, inbox, "Delete me on S3")
    assert s3_has(clients, clients["bucket"], raw_key) and s3_has(clients, "mailman-attachments", attachment_key)

    assert api.delete(f"/v1/messages/{message['id']}").status_code == 204
    assert api.get(f"/v1/messages/{message['id']}").status_code == 404
    assert not s3_has(clients, clients["bucket"], raw_key)
    assert not s3_has(clients, "mailman-attachments", attachment_key)
    [event] = api.get("/v1/events", params={"message_id": message["id"], "type": "message.received"}).json()["data"]
    assert event["data"]["message"]["text"] is None and "kiwi" not in json.dumps(event)


def test_aws_retention_purges_old_mail_and_its_s3_objects(
    aws_api: tuple[httpx.Client, dict[str, Any]], stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from mailman_services.adapters import aws as aws_adapters
    from mailman_services.adapters.aws import S3BlobStore
    from mailman_services.db.engine import Database, create_engine
    from mailman_services.db.reads import FastReads
    from mailman_services.handlers import deletion

    api, clients = aws_api
    domain = api.post("/v1/domains", json={"name": f"ret{uuid.uuid4().hex[:8]}.example.com"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "old", "retention_days": 2}).json()
    message, raw_key, attachment_key = aws_received(api, clients, inbox, "Expiring on S3")
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="aws_mailman", autocommit=True) as conn:
        conn.execute("UPDATE messages SET created_at = now() - interval '3 days' WHERE id = %s", (message["id"],))

    async def purge() -> None:
        url = f"postgresql+psycopg://postgres@/aws_mailman?host={socket_dir}"
        database = Database(create_engine(url), FastReads(url))
        try:
            await deletion.purge_expired(database, S3BlobStore(clients["bucket"], "mailman-attachments"))
        finally:
            await database.aclose()

    for name, value in clients["moto"].items():
        monkeypatch.setenv(name, value)
    aws_adapters.client.cache_clear()  # boto3 clients made from this environment, moto's
    try:  # the backend's own worker purges too, every minute: whichever gets there first, the mail is gone
        asyncio.run(purge())
    finally:
        aws_adapters.client.cache_clear()
    assert api.get(f"/v1/messages/{message['id']}").status_code == 404
    assert not s3_has(clients, clients["bucket"], raw_key)
    assert not s3_has(clients, "mailman-attachments", attachment_key)


def test_aws_a_scheduled_message_is_sent_through_sqs_at_its_time(
    aws_api: tuple[httpx.Client, dict[str, Any]], dns_zone: tuple[Zone, int]
) -> None:
    """The schedule is the database's on this backend too (no SQS delay): the due-scan queues the job through
    the job outbox when the time comes."""
    from datetime import UTC, datetime, timedelta

    from tests.services.test_pipeline import wait_for
    from tests.services.test_schedule import event_types, parse, rfc3339

    api, _ = aws_api
    domain = verified_domain(api, dns_zone)
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "later"}).json()
    send_at = datetime.now(UTC) + timedelta(seconds=1.5)
    body = {"to": [f"{uuid.uuid4().hex[:8]}@example.com"], "text": "later", "send_at": rfc3339(send_at)}
    scheduled = api.post(f"/v1/inboxes/{inbox['id']}/messages", json=body).json()
    assert scheduled["status"] == "scheduled"
    sent = wait_for(lambda: (m := api.get(f"/v1/messages/{scheduled['id']}").json())["status"] == "sent" and m, 20)
    assert parse(sent["sent_at"]) >= send_at
    assert event_types(api, scheduled["id"]) == ["message.scheduled", "message.sent"]
