"""terraform/bootstrap/create-state-bucket.sh against a moto server: twice, leaving a safe state bucket."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest

from .conftest import TERRAFORM

SCRIPT = TERRAFORM / "bootstrap" / "create-state-bucket.sh"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    port = free_port()
    server = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_script_runs_twice_and_leaves_a_versioned_encrypted_private_bucket(endpoint: str) -> None:
    aws = shutil.which("aws", path=str(Path(sys.executable).parent))
    assert aws, "the aws CLI (awscli) must be installed next to this Python"
    env = {
        **os.environ,
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": endpoint,
        "PATH": f"{Path(aws).parent}{os.pathsep}{os.environ['PATH']}",
    }
    for run in range(2):
        result = subprocess.run(
            ["bash", str(SCRIPT), "mailman-terraform-state", "us-east-1"], env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, f"run {run + 1}: {result.stdout}{result.stderr}"
    assert "exists" in result.stdout  # the second run found the bucket and converged its settings

    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint, **_lowercase(CREDENTIALS))
    assert s3.get_bucket_versioning(Bucket="mailman-terraform-state")["Status"] == "Enabled"
    (rule,) = s3.get_bucket_encryption(Bucket="mailman-terraform-state")["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket="mailman-terraform-state")["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert "aws:SecureTransport" in s3.get_bucket_policy(Bucket="mailman-terraform-state")["Policy"]


def test_script_without_a_bucket_prints_its_usage() -> None:
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("usage:")


def _lowercase(credentials: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in credentials.items()}
