"""`nox -s bench-ingest`: SMTP ingest, 250 to stored and queryable, next to Mailpit and a bare aiosmtpd.

Two corpora, generated here: ``realistic`` (multipart text + HTML of real prose from the interpreter's
``pydoc_data.topics``, one message in five with a 30 KB PDF) and ``repeated`` (20 KB of text/plain, one
sentence over and over). Each is sent by ``smtpload`` (bench/smtpload, Go, built from source) over 10
connections, each message waiting for its 250, to

* a bare aiosmtpd writing each message to a file (done at the last 250);
* Mailpit (built with ``go install github.com/axllent/mailpit@<version>``, ``-m 0``, its database in a temp
  dir), done when its ``/api/v1/messages`` total reaches the count;
* Mailman's local stack (``mailman-server dev``), done when the inbox's stored messages reach the count
  (polled with a count in PostgreSQL, which costs it next to nothing; after the clock every message is
  listed through the API once, to check).

It prints msg/s and the ratios, PostgreSQL's CPU seconds per ingested message (user + system time of the
postmaster and its backends over Mailman's run) and each process's peak RSS.

Mailman and the bare aiosmtpd create a file per message, Mailpit none, and what creating a file costs varies
with the file system's recent history: on this machine's ext4 (no journal, so the allocator skips recently
freed inodes one by one) it took from ~35 us to ~1.1 ms of kernel CPU within the same day. The bench prints
the cost in its work directory (``--work-dir``, default the system's temp folder) before it starts.
"""

from __future__ import annotations

import argparse
import contextlib
import email.policy
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import httpx
import psutil
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, PeakRSS, children_named, free_port, start_dev, stop, wait_for  # noqa: E402

SENDERS = 10
SENTENCE = "The quick brown fox jumps over the lazy dog, again and again."
CORPORA = ("realistic", "repeated")


# --- corpora ------------------------------------------------------------------------------------


def _paragraphs() -> list[str]:
    from pydoc_data.topics import topics

    found = []
    for text in topics.values():
        for paragraph in text.split("\n\n"):
            words = " ".join(paragraph.split())
            if len(words) > 200 and not words.startswith(("*", ">>>", "|", "-")):
                found.append(words)
    return found


def _pdf(rng: random.Random, size: int) -> bytes:
    """A small, valid PDF of about ``size`` bytes: one page, an uncompressed text stream of prose-like words."""
    words = [
        rng.choice(("lorem", "ipsum", "invoice", "total", "amount", "due", "order", "item")) for _ in range(size // 10)
    ]
    lines = "\n".join(
        f"BT /F1 9 Tf 40 {800 - (i % 70) * 11} Td ({' '.join(words[i * 8 : i * 8 + 8])}) Tj ET"
        for i in range(len(words) // 8)
    )
    stream = lines.encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def realistic(count: int, to: str, seed: int = 18) -> Iterator[bytes]:
    rng = random.Random(seed)
    paragraphs = _paragraphs()
    pdf = _pdf(rng, 30 * 1024)
    for number in range(count):
        chosen = rng.sample(paragraphs, rng.randint(2, 7))
        msg = EmailMessage()
        msg["From"] = f"Sender {number % 50} <sender{number % 50}@example.com>"
        msg["To"] = to
        msg["Subject"] = f"{' '.join(chosen[0].split()[:6])} ({number})"
        msg["Message-ID"] = f"<realistic-{number}-{seed}@example.com>"
        msg["Date"] = "Tue, 01 Dec 2026 12:00:00 +0000"
        msg.set_content("Hello,\n\n" + "\n\n".join(chosen) + "\n\nBest regards,\nSender\n")
        html = "".join(f"<p>{p.replace('&', '&amp;').replace('<', '&lt;')}</p>\n" for p in chosen)
        msg.add_alternative(
            f"<html><body><p>Hello,</p>\n{html}<p>Best regards,<br>Sender</p></body></html>\n", subtype="html"
        )
        if number % 5 == 0:
            msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"invoice-{number}.pdf")
        yield msg.as_bytes(policy=email.policy.SMTP)


def repeated(count: int, to: str) -> Iterator[bytes]:
    body = "\n".join([SENTENCE] * 320)  # ~20 KB
    for number in range(count):
        msg = EmailMessage()
        msg["From"] = f"sender{number % SENDERS}@example.com"
        msg["To"] = to
        msg["Subject"] = f"load {number}"
        msg["Message-ID"] = f"<repeated-{number}@example.com>"
        msg.set_content(body)
        yield msg.as_bytes(policy=email.policy.SMTP)


def write_corpus(directory: Path, messages: Iterator[bytes]) -> float:
    """Writes the messages as 000000.eml, …; returns their average size in bytes."""
    directory.mkdir(parents=True)
    sizes = []
    for number, raw in enumerate(messages):
        (directory / f"{number:06d}.eml").write_bytes(raw)
        sizes.append(len(raw))
    return sum(sizes) / len(sizes)


# --- tools --------------------------------------------------------------------------------------


def file_creation_cpu(directory: Path, files: int = 200) -> float:
    """CPU seconds (user + system) this process spends creating an empty file in ``directory``."""
    probe = directory / "probe"
    probe.mkdir()
    started = time.process_time()
    for n in range(files):
        (probe / str(n)).touch()
    return (time.process_time() - started) / files


def tool(name: str) -> Path:
    """A tool built by the nox session into .tools/bin (or named by MAILMAN_<NAME>)."""
    path = Path(os.environ.get(f"MAILMAN_{name.upper()}", HERE.parent / ".tools" / "bin" / name))
    if not path.exists():
        sys.exit(f"{path} is missing: run `nox -s bench-ingest`, which builds it")
    return path


def send(smtpload: Path, port: int, to: str, corpus: Path) -> dict[str, object]:
    """smtpload's report, with its own CPU seconds as ``cpu`` (it shares the two cores with the server)."""
    command = [str(smtpload), "-addr", f"127.0.0.1:{port}", "-c", str(SENDERS), "-to", to, str(corpus)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"smtpload failed ({result.returncode}): {result.stdout}{result.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {**json.loads(result.stdout), "cpu": cpu}


def load_cpu(result: dict[str, object], count: int) -> float:
    cpu = result["cpu"]
    assert isinstance(cpu, float)
    return cpu / count


# --- measurements -------------------------------------------------------------------------------


def postmaster(stack_dir: Path) -> psutil.Process:
    pid_files = list(stack_dir.rglob("postmaster.pid"))
    if len(pid_files) != 1:
        sys.exit(f"expected one postmaster.pid under {stack_dir}, found {pid_files}")
    return psutil.Process(int(pid_files[0].read_text().split()[0]))


def postgres_cpu(master: psutil.Process) -> float:
    """CPU seconds (user + system) of the postmaster, its live backends and those it has reaped."""
    times = master.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in master.children():
        with contextlib.suppress(psutil.Error):
            t = child.cpu_times()
            total += t.user + t.system
    return total


def process_cpu(process: psutil.Process) -> float:
    with contextlib.suppress(psutil.Error):
        t = process.cpu_times()
        return t.user + t.system
    return 0.0


@dataclass
class Run:
    rate: float = 0.0
    accepted_seconds: float = 0.0
    stored_seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


# --- the three servers --------------------------------------------------------------------------

BARE = """
import asyncio, sys, uuid
from pathlib import Path
from aiosmtpd.controller import Controller

class Save:
    async def handle_DATA(self, server, session, envelope):
        Path(sys.argv[2], uuid.uuid4().hex).write_bytes(envelope.original_content)
        return "250 OK"

controller = Controller(Save(), hostname="127.0.0.1", port=int(sys.argv[1]), decode_data=False)
controller.start()
print("ready", flush=True)
asyncio.new_event_loop().run_forever()
"""


def run_bare(smtpload: Path, corpus: Path, count: int, work: Path, peaks: PeakRSS, name: str) -> Run:
    out = work / f"bare-{name}"
    out.mkdir()
    port = free_port()
    bare = subprocess.Popen([sys.executable, "-c", BARE, str(port), str(out)], stdout=subprocess.PIPE)
    try:
        assert bare.stdout is not None
        bare.stdout.readline()
        process = psutil.Process(bare.pid)
        peaks.watch("bare aiosmtpd", lambda: [process])
        cpu_before = process_cpu(process)
        result = send(smtpload, port, "anyone@example.com", corpus)
        cpu = process_cpu(process) - cpu_before
        stored = len(list(out.iterdir()))
        if stored != count:
            sys.exit(f"bare aiosmtpd wrote {stored} files, {count} expected")
        seconds = float(result["elapsed_seconds"])  # type: ignore[arg-type]
        extra = {"cpu_per_message": cpu / count, "smtpload_cpu_per_message": load_cpu(result, count)}
        return Run(count / seconds, seconds, seconds, extra)
    finally:
        stop(bare)


def run_mailpit(mailpit: Path, smtpload: Path, corpus: Path, count: int, work: Path, peaks: PeakRSS, name: str) -> Run:
    smtp_port, http_port = free_port(), free_port()
    db = work / f"mailpit-{name}"
    db.mkdir()
    command = [str(mailpit), "-m", "0", "--smtp", f"127.0.0.1:{smtp_port}", "--listen", f"127.0.0.1:{http_port}"]
    command += ["--database", str(db / "mailpit.db"), "--quiet"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=(db / "mailpit.log").open("wb"))
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_for(f"{base}/api/v1/info", server)
        process = psutil.Process(server.pid)
        peaks.watch("Mailpit", lambda: [process])
        cpu_before = process_cpu(process)
        with httpx.Client(base_url=base, timeout=30) as api:
            started = time.perf_counter()
            result = send(smtpload, smtp_port, "anyone@example.com", corpus)
            accepted = time.perf_counter() - started
            while api.get("/api/v1/messages", params={"limit": 1}).json()["total"] < count:
                time.sleep(0.02)
            stored = time.perf_counter() - started
        assert result["sent"] == count, result
        cpu = {"cpu_per_message": (process_cpu(process) - cpu_before) / count}
        return Run(count / stored, accepted, stored, {**cpu, "smtpload_cpu_per_message": load_cpu(result, count)})
    finally:
        stop(server)


class Mailman:
    def __init__(self, work: Path, peaks: PeakRSS) -> None:
        self.stack = work / "mailman"
        self.api_port, self.smtp_port = free_port(), free_port()
        self.dev = start_dev(self.stack, self.api_port, self.smtp_port)
        self.base = f"http://127.0.0.1:{self.api_port}"
        wait_for(f"{self.base}/health", self.dev)
        self.api = httpx.Client(base_url=self.base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        self.process = psutil.Process(self.dev.pid)
        self.postmaster = postmaster(self.stack)
        self.peaks = peaks
        peaks.watch("Mailman API + SMTP", lambda: [self.process])
        peaks.watch("Mailman worker", self._workers)
        peaks.watch("Mailman SMTP parser", self._parsers)

    def _workers(self) -> list[psutil.Process]:
        return children_named(self.process, "worker")

    def _parsers(self) -> list[psutil.Process]:
        return children_named(self.process, "mailman_services.parser_process")  # the SMTP listener's (smtp.Parsers)

    def inbox(self, name: str) -> dict[str, str]:
        response = self.api.post("/v1/inboxes", json={"name": name})
        response.raise_for_status()
        return dict(response.json())

    def run(self, smtpload: Path, corpus: Path, count: int, inbox: dict[str, str]) -> Run:
        socket_dir = self.stack / "postgres"
        workers, parsers = self._workers(), self._parsers()
        with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as db:
            pg_before = postgres_cpu(self.postmaster)
            dev_before = process_cpu(self.process)
            worker_before = sum(process_cpu(w) for w in workers)
            parser_before = sum(process_cpu(p) for p in parsers)
            started = time.perf_counter()
            result = send(smtpload, self.smtp_port, inbox["address"], corpus)
            accepted = time.perf_counter() - started
            count_query = "SELECT count(*) FROM messages WHERE inbox_id = %s"
            while (db.execute(count_query, (inbox["id"],)).fetchone() or (0,))[0] < count:
                time.sleep(0.05)
            stored = time.perf_counter() - started
            pg = postgres_cpu(self.postmaster) - pg_before
            dev_cpu = process_cpu(self.process) - dev_before
            worker_cpu = sum(process_cpu(w) for w in workers) - worker_before
            parser_cpu = sum(process_cpu(p) for p in parsers) - parser_before
        assert result["sent"] == count, result
        listed = self._listed(inbox["id"])
        if listed != count:
            sys.exit(f"{listed} messages listed through the API, {count} expected")
        return Run(
            count / stored,
            accepted,
            stored,
            {
                "pg_cpu_per_message": pg / count,
                "dev_cpu_per_message": dev_cpu / count,
                "worker_cpu_per_message": worker_cpu / count,
                "parser_cpu_per_message": parser_cpu / count,
                "smtpload_cpu_per_message": load_cpu(result, count),
            },
        )

    def _listed(self, inbox_id: str) -> int:
        count, cursor = 0, None
        while True:
            params: dict[str, object] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = self.api.get(f"/v1/inboxes/{inbox_id}/messages", params=params).json()
            count += len(page["data"])
            cursor = page["next_cursor"]
            if not cursor:
                return count

    def close(self) -> None:
        self.api.close()
        stop(self.dev)


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--corpus", choices=CORPORA, action="append", help="only these corpora (default: both)")
    parser.add_argument("--only", choices=("bare", "mailpit", "mailman"), action="append", help="only these servers")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (server logs)")
    parser.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()), help="where servers keep data")
    args = parser.parse_args()
    corpora = args.corpus or list(CORPORA)
    servers = args.only or ["bare", "mailpit", "mailman"]
    smtpload = tool("smtpload")
    mailpit = tool("mailpit") if "mailpit" in servers else None

    args.work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="mailman-ingest-bench-", dir=args.work_dir))
    creation = file_creation_cpu(work)
    results: dict[str, dict[str, Run]] = {}
    sizes: dict[str, float] = {}
    load_before = os.getloadavg()
    mailman: Mailman | None = None
    try:
        with PeakRSS() as peaks:
            if "mailman" in servers:
                mailman = Mailman(work, peaks)
            for name in corpora:
                inbox = mailman.inbox(f"bench {name}") if mailman else {"address": "anyone@example.com", "id": ""}
                generate = realistic if name == "realistic" else repeated
                corpus = work / f"corpus-{name}"
                sizes[name] = write_corpus(corpus, generate(args.messages, inbox["address"]))
                runs = results.setdefault(name, {})
                if "bare" in servers:
                    runs["bare aiosmtpd (files)"] = run_bare(smtpload, corpus, args.messages, work, peaks, name)
                if mailpit is not None:
                    runs["Mailpit (stored, listed)"] = run_mailpit(
                        mailpit, smtpload, corpus, args.messages, work, peaks, name
                    )
                if mailman is not None:
                    runs["Mailman (stored, queryable)"] = mailman.run(smtpload, corpus, args.messages, inbox)
    finally:
        if mailman is not None:
            mailman.close()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    load_after = os.getloadavg()
    print(
        f"\n{args.messages} messages per corpus, {SENDERS} SMTP connections (smtpload), each message waits for its 250"
    )
    print(f"load average before {load_before[0]:.2f} / after {load_after[0]:.2f} (1 min), {os.cpu_count()} cores")
    print(f"creating a file in the work directory ({args.work_dir}): {creation * 1e6:.0f} us of CPU")
    for name, runs in results.items():
        print(f"\n{name} corpus, {sizes[name] / 1024:.1f} KB per message on average:")
        mailpit_run = runs.get("Mailpit (stored, listed)")
        for server, run in runs.items():
            ratio = f"   {run.rate / mailpit_run.rate:4.2f} x Mailpit" if mailpit_run and run is not mailpit_run else ""
            timing = f"(250s in {run.accepted_seconds:5.2f} s, stored in {run.stored_seconds:5.2f} s)"
            print(f"  {server:30s} {run.rate:7.0f} msg/s   {timing}{ratio}")
            for what, value in run.extra.items():
                print(f"      {what.replace('_', ' '):28s} {value * 1000:6.2f} ms")
        mailman_run = runs.get("Mailman (stored, queryable)")
        if mailman_run and mailpit_run:
            print(f"  ratio Mailman / Mailpit: {mailman_run.rate / mailpit_run.rate:.2f}  (target >= 0.6)")
        if mailman_run and name == "realistic":
            pg_ms = mailman_run.extra["pg_cpu_per_message"] * 1000
            print(f"  PostgreSQL CPU: {pg_ms:.2f} ms per message  (target <= 1 ms)")
    print("\npeak RSS during the run (target <= 200 MiB for each of Mailman's):")
    for name, peak in peaks.peak.items():
        print(f"  {name:30s} {peak / 2**20:6.0f} MiB")


if __name__ == "__main__":
    main()
