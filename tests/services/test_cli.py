"""mailman-server as an operator runs it: start-up errors, migrate, api-keys create."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest

from tests.conftest import Stack, start_stack


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILMAN_")}
    return subprocess.run(
        [sys.executable, "-m", "mailman_services.cli", *args],
        env={**environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_bad_setting_stops_the_process_with_one_line() -> None:
    result = run("api", env={"MAILMAN_BACKEND": "gcp"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mailman-server: MAILMAN_BACKEND must be one of local, aws (got 'gcp')"
    ]


@pytest.mark.slow
def test_api_refuses_an_unmigrated_database_until_migrate(stack: Stack) -> None:
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS cli_empty")
        conn.execute("CREATE DATABASE cli_empty")
    url = f"postgresql://postgres@/cli_empty?host={socket_dir}"

    refused = run("api", "--port", "1", env={"MAILMAN_DATABASE_URL": url})
    assert refused.returncode == 2
    assert "run `mailman-server migrate`" in refused.stderr

    migrated = run("migrate", env={"MAILMAN_DATABASE_URL": url})
    assert migrated.returncode == 0 and "up to date" in migrated.stdout
    created = run("api-keys", "create", "--name", "bootstrap", env={"MAILMAN_DATABASE_URL": url})
    assert created.returncode == 0
    assert created.stdout.strip().startswith("mm_")
    unknown = run("api-keys", "create", "--name", "x", "--inbox", "inb_nope", env={"MAILMAN_DATABASE_URL": url})
    assert unknown.returncode == 1 and "inbox_ids[0]" in unknown.stderr


def test_api_keys_create_on_the_dev_data_dir_makes_a_working_key(stack: Stack) -> None:
    created = run("api-keys", "create", "--name", "ops", env={"MAILMAN_DATA_DIR": str(stack.data_dir)})
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    response = httpx.get(f"{stack.url}/v1/domains", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200


@pytest.mark.slow
def test_dev_prints_url_and_token_and_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    running = start_stack(tmp_path / "dev", {"MAILMAN_API_TOKEN": "a-token-chosen-by-the-user"})
    with running.client() as client:
        assert client.get("/v1/inboxes").status_code == 200
    running.process.send_signal(signal.SIGINT)
    assert running.process.wait(timeout=30) == 0
    assert f"API:    {running.url}" in running.log
    assert "Token:  a-token-chosen-by-the-user" in running.log
    assert not (tmp_path / "dev" / "postgres" / "postmaster.pid").exists()  # the embedded server stopped too


@pytest.mark.slow
def test_smtp_alone_keeps_listening_until_sigterm(tmp_path: Path) -> None:
    import smtplib
    import time

    from tests.conftest import free_port

    port = free_port()
    env = {"MAILMAN_DATA_DIR": str(tmp_path / "smtp"), "MAILMAN_LOG_FORMAT": "json"}
    environ = {**{k: v for k, v in os.environ.items() if not k.startswith("MAILMAN_")}, **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "mailman_services.cli", "smtp", "--host", "127.0.0.1", "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                    assert smtp.noop()[0] == 250
                break
            except OSError:
                assert process.poll() is None, "mailman-server smtp exited"
                assert time.monotonic() < deadline
                time.sleep(0.2)
        time.sleep(1)
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def test_dev_on_a_taken_port_says_which_in_one_line_and_starts_nothing(stack: Stack, tmp_path: Path) -> None:
    from tests.conftest import free_port

    data_dir = tmp_path / "second"
    args = ("dev", "--data-dir", str(data_dir), "--api-port", str(free_port()), "--smtp-port", str(stack.smtp_port))
    result = run(*args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"mailman-server: port {stack.smtp_port} on 127.0.0.1 is in use (another mailman-server dev?): pass --smtp-port"
    ]
    assert not data_dir.exists()  # no embedded PostgreSQL, no worker: nothing was started
    api_port = int(stack.url.rsplit(":", 1)[1])
    taken_api = run("dev", "--data-dir", str(data_dir), "--api-port", str(api_port), "--smtp-port", str(free_port()))
    assert taken_api.returncode == 1 and taken_api.stderr.strip().endswith("pass --api-port")


@pytest.mark.slow
def test_the_banner_comes_once_the_api_answers(tmp_path: Path) -> None:
    from tests.conftest import TOKEN, free_port

    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILMAN_")}
    command = [sys.executable, "-m", "mailman_services.cli", "dev", "--data-dir", str(tmp_path / "banner")]
    process = subprocess.Popen(
        [*command, "--api-port", str(port), "--smtp-port", str(free_port())],
        env={**environ, "MAILMAN_API_TOKEN": TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("Mailman is running"):
                break
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200  # at once, no retry
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0


def _family(stack: Stack) -> list[psutil.Process]:
    """dev's children (the worker) and the embedded PostgreSQL's server process."""
    postmaster = int((stack.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    return [*psutil.Process(stack.process.pid).children(recursive=True), psutil.Process(postmaster)]


@pytest.fixture(scope="module")
def dev_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the stacks these tests stop: its embedded PostgreSQL is created once, then restarted."""
    return tmp_path_factory.mktemp("stopped")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_every_way_of_stopping_dev_stops_everything(dev_dir: Path, sig: signal.Signals) -> None:
    running = start_stack(dev_dir)
    family = _family(running)
    assert len(family) >= 2
    running.process.send_signal(sig)
    assert running.process.wait(timeout=30) == 0
    _, alive = psutil.wait_procs(family, timeout=15)
    assert alive == []


@pytest.mark.slow
def test_killing_dev_outright_leaves_nothing_running(dev_dir: Path) -> None:
    running = start_stack(dev_dir)
    family = _family(running)
    running.process.kill()
    running.process.wait(timeout=10)
    # The worker notices its parent is gone, stops, and as the embedded server's last user stops it too.
    _, alive = psutil.wait_procs(family, timeout=20)
    for process in alive:
        process.kill()
    assert alive == []
