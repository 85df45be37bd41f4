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
from typing import Any

import boto3
import httpx
import psycopg
import pytest
from moto.server import ThreadedMotoServer

from tests.conftest import TOKEN, Stack, Zone, free_port

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


@pytest.fixture(scope="module")
def aws_api(
    stack: Stack, moto: dict[str, str], dns_zone: tuple[Zone, int]
) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """`mailman-server api` with MAILMAN_BACKEND=aws, on its own migrated database."""
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS aws_backend")
        conn.execute("CREATE DATABASE aws_backend")
    s3, sqs = aws("s3", moto), aws("sqs", moto)
    for bucket in ("mailman-raw", "mailman-attachments"):
        s3.create_bucket(Bucket=bucket)
    queues = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("inbound", "outbound", "telemetry")}
    queues["webhooks"] = sqs.create_queue(
        QueueName="webhooks.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    )["QueueUrl"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MAILMAN_")},
        **moto,
        "MAILMAN_BACKEND": "aws",
        "MAILMAN_DATABASE_URL": f"postgresql://postgres@/aws_backend?host={socket_dir}",
        "MAILMAN_API_TOKEN": TOKEN,
        "MAILMAN_RAW_BUCKET": "mailman-raw",
        "MAILMAN_ATTACHMENTS_BUCKET": "mailman-attachments",
        "MAILMAN_SES_CONFIGURATION_SET": "mailman",
        "MAILMAN_DNS_RESOLVER": f"127.0.0.1:{dns_zone[1]}",
        "MAILMAN_RATE_LIMIT_PER_SECOND": "0",
        **{f"MAILMAN_{name.upper()}_QUEUE_URL": url for name, url in queues.items()},
    }
    cli = [sys.executable, "-m", "mailman_services.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    port = free_port()
    log = (stack.data_dir / "aws-api.log").open("wb")
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
            assert time.monotonic() < deadline, (stack.data_dir / "aws-api.log").read_text()
            time.sleep(0.1)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as client:
        yield client, {"queues": queues, "s3": s3, "sqs": sqs, "sesv2": aws("sesv2", moto), "moto": moto}
    process.terminate()
    worker.terminate()
    assert process.wait(timeout=30) == 0
    assert worker.wait(timeout=30) == 0


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
    moto_env = clients["moto"]
    domain = api.post("/v1/domains", json={"name": f"in{uuid.uuid4().hex[:8]}.example.com"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"}).json()
    sns = aws("sns", moto_env)
    topic = sns.create_topic(Name="inbound_notification")["TopicArn"]
    queue_arn = clients["sqs"].get_queue_attributes(QueueUrl=clients["queues"]["inbound"], AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    raw = (
        f"From: Ada <ada@example.com>\r\nTo: {inbox['address']}\r\nSubject: Via SES\r\n"
        "Message-ID: <via-ses@example.com>\r\n\r\nHello from SES\r\n"
    ).encode()
    key = f"raw/inbound/{uuid.uuid4().hex}"
    clients["s3"].put_object(Bucket="mailman-raw", Key=key, Body=raw)
    notification = {
        "notificationType": "Received",
        "mail": {"messageId": uuid.uuid4().hex, "source": "ada@example.com", "destination": [inbox["address"]]},
        "receipt": {
            "recipients": [inbox["address"]],
            "spamVerdict": {"status": "PASS"},
            "virusVerdict": {"status": "PASS"},
            "spfVerdict": {"status": "GRAY"},
            "dkimVerdict": {"status": "FAIL"},
            "dmarcVerdict": {"status": "PROCESSING_FAILED"},
            "action": {"type": "S3", "topicArn": topic, "bucketName": "mailman-raw", "objectKey": key},
        },
    }
    for _ in range(2):  # SNS may deliver twice: the message is stored once
        sns.publish(TopicArn=topic, Message=json.dumps(notification))

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
