"""`nox -s bench-fidelity`: Mailman's reply extraction next to the reply parsers a user would pick instead.

Every parser reads the 94 reply fixtures of other projects' test suites (`../shared/corpus/peers`, loaded and judged
by `tests/peer_corpus.py`: every `keep` line present, no `drop` line) and is scored per corpus source and per
language; then the time per message, and Mailman's time on 1 MB shapes that would expose regex backtracking.
Prints numbers; never passes or fails.

Mailman reads each fixture as delivered: `replies.reply(parsed.text, parsed.html)` on `parse(message_bytes(fixture))`.
Each peer runs in a virtualenv of its own (`bench/fidelity_peer.py`, JSON over stdin/stdout), the virtualenvs made by
the nox session: `python bench/fidelity.py --peer NAME=PYTHON ... [--missing NAME=WHY] [--repetitions N] [--details]`.
"""

from __future__ import annotations

import argparse
import email
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from functools import partial
from pathlib import Path

from mailman_services.domain import quotes, replies
from mailman_services.domain.parsing import parse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.peer_corpus import Fixture, body, fixtures, message_bytes, reply_failures  # noqa: E402

RUNNER = Path(__file__).resolve().parent / "fidelity_peer.py"
PEER_TIMEOUT = 900  # seconds for one peer over every fixture
SOURCES = {  # corpus source -> column
    "github/email_reply_parser": "github",
    "zapier/email-reply-parser": "zapier",
    "crisp-oss/email-reply-parser": "crisp",
    "mailgun/talon": "talon",
}
CALLS = {  # how each peer is called (bench/fidelity_peer.py), as its README shows
    "email-reply-parser": "EmailReplyParser.parse_reply(text)",
    "mail-parser-reply": "EmailReplyParser(languages=<all MAIL_LANGUAGES>).parse_reply(text=text)",
    "quotequail": "quote(text, quote_intro_line=True) / quote_html(html, quote_intro_line=True), the expanded parts",
    "talon": "talon.init(); quotations.extract_from_plain(text) / extract_from_html(html)",
}
HTML_PEERS = {"quotequail", "talon"}
MAILMAN = "Mailman"


@dataclass(frozen=True)
class Outcome:
    failures: list[str]  # empty: passed
    error: str | None  # the exception the parser raised
    seconds: float  # median per call


@dataclass(frozen=True)
class Scores:
    label: str
    outcomes: dict[str, Outcome]  # fixture id -> outcome


# --- inputs --------------------------------------------------------------------------------------


def first_plain_part(raw: bytes) -> str:
    """The decoded first text/plain part, read by the stdlib as talon's test_standard_replies does."""
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return str(part.get_content()).replace("\r\n", "\n")


def peer_item(fixture: Fixture) -> dict[str, str | None]:
    """What a peer parser is handed: ``text`` for every parser, ``html`` instead for those taking HTML."""
    if fixture.kind == "eml":
        return {"id": fixture.id, "text": first_plain_part(fixture.path.read_bytes()), "html": None}
    if fixture.kind == "body-html":
        markup = body(fixture)
        return {"id": fixture.id, "text": quotes.html_to_text(markup), "html": markup}
    return {"id": fixture.id, "text": body(fixture), "html": None}


# --- parsers -------------------------------------------------------------------------------------


def timed(call: Callable[[], object], repetitions: int) -> float:
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def mailman(corpus: list[Fixture], repetitions: int) -> Scores:
    outcomes = {}
    for fixture in corpus:
        parsed = parse(message_bytes(fixture))
        try:
            extracted = replies.reply(parsed.text, parsed.html).text
        except Exception as error:  # noqa: BLE001 - scored as a failure, the run goes on
            outcomes[fixture.id] = Outcome([f"raised {type(error).__name__}: {error}"], type(error).__name__, 0.0)
            continue
        seconds = timed(partial(replies.reply, parsed.text, parsed.html), repetitions)
        outcomes[fixture.id] = Outcome(reply_failures(fixture, extracted), None, seconds)
    return Scores(MAILMAN, outcomes)


def peer(name: str, python: str, corpus: list[Fixture], repetitions: int) -> Scores | str:
    """The peer's scores, or why it could not run."""
    request = {"repetitions": repetitions, "items": [peer_item(fixture) for fixture in corpus]}
    try:
        finished = subprocess.run(
            [python, str(RUNNER), name],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=PEER_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"did not finish the corpus in {PEER_TIMEOUT} s"
    if finished.returncode != 0:
        lines = finished.stderr.strip().splitlines() or [f"exit code {finished.returncode}"]
        return f"runner failed: {lines[-1]}"
    answer = json.loads(finished.stdout)
    by_id = {fixture.id: fixture for fixture in corpus}
    outcomes = {}
    for result in answer["results"]:
        fixture = by_id[result["id"]]
        if result["error"] is not None:
            kind = result["error"].partition(":")[0]
            outcomes[fixture.id] = Outcome([f"raised {result['error']}"], kind, result["seconds"])
            continue
        output = result["output"]
        if output is not None and result["output_is_html"]:
            output = quotes.html_to_text(output)
        outcomes[fixture.id] = Outcome(reply_failures(fixture, output), None, result["seconds"])
    return Scores(f"{name} {answer['version']}", outcomes)


# --- printing ------------------------------------------------------------------------------------


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    print(f"\n{title}")
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        print("  " + "  ".join(cells))


def score_tables(corpus: list[Fixture], results: list[Scores]) -> None:
    columns = list(dict.fromkeys(SOURCES.get(fixture.source, fixture.source) for fixture in corpus))
    languages = [language for language, _ in Counter(fixture.lang for fixture in corpus).most_common()]

    def cell(scores: Scores, chosen: list[Fixture]) -> str:
        return f"{sum(not scores.outcomes[fixture.id].failures for fixture in chosen)}/{len(chosen)}"

    def rows(group: Callable[[Fixture], str], keys: list[str]) -> list[list[str]]:
        table = []
        for scores in results:
            passed = sum(not outcome.failures for outcome in scores.outcomes.values())
            cells = [cell(scores, [fixture for fixture in corpus if group(fixture) == key]) for key in keys]
            table.append([scores.label, *cells, f"{passed}/{len(corpus)}", f"{100 * passed / len(corpus):.1f}%"])
        return table

    def count(key: str, group: Callable[[Fixture], str]) -> int:
        return sum(group(fixture) == key for fixture in corpus)

    def source(fixture: Fixture) -> str:
        return SOURCES.get(fixture.source, fixture.source)

    def language(fixture: Fixture) -> str:
        return fixture.lang

    print_table(
        f"Reply fixtures passed, per corpus source ({len(corpus)} fixtures)",
        ["parser", *[f"{key} ({count(key, source)})" for key in columns], "total", "%"],
        rows(source, columns),
    )
    print_table(
        "Reply fixtures passed, per language",
        ["parser", *[f"{key} ({count(key, language)})" for key in languages], "total", "%"],
        rows(language, languages),
    )
    for scores in results:
        raised = Counter(outcome.error for outcome in scores.outcomes.values() if outcome.error)
        if raised:
            kinds = ", ".join(f"{kind} x{number}" for kind, number in raised.most_common())
            print(f"  {scores.label} raised on {sum(raised.values())} fixtures (scored as failures): {kinds}")


def failure_list(corpus: list[Fixture], scores: Scores, others: list[Scores]) -> None:
    failed = [fixture for fixture in corpus if scores.outcomes[fixture.id].failures]
    print(f"\n{scores.label} fails {len(failed)}:")
    for fixture in failed:
        passing = [other.label.split()[0] for other in others if not other.outcomes[fixture.id].failures]
        by = f"  [passed by {', '.join(passing)}]" if passing else ""
        print(f"  {fixture.id}: {scores.outcomes[fixture.id].failures[0]}{by}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def speed_table(results: list[Scores], repetitions: int) -> None:
    mailman_median = statistics.median(outcome.seconds for outcome in results[0].outcomes.values())
    rows = []
    for scores in results:
        times = [outcome.seconds for outcome in scores.outcomes.values() if outcome.error is None]
        median = statistics.median(times)
        ratio = "1" if scores is results[0] else f"{median / mailman_median:.1f}"
        rows.append([scores.label, f"{median * 1e6:.0f}", f"{percentile(times, 0.95) * 1e6:.0f}", ratio])
    print_table(
        f"Time per message, µs (per fixture the median of {repetitions} calls, then over the fixtures; parse excluded)",
        ["parser", "median", "p95", "median / Mailman"],
        rows,
    )


# --- 1 MB inputs ---------------------------------------------------------------------------------

SIZE = 2**20
PROSE = "The quarterly numbers are in, and the team would like to go over them before the board meeting."
REPLY = "Sounds good, Thursday works for me.\n\nBob\n\n"


def filled(lines: list[str]) -> str:
    """``lines`` repeated up to SIZE characters."""
    out, size = [], 0
    while size < SIZE:
        for line in lines:
            out.append(line)
            size += len(line) + 1
    return "\n".join(out)


def large_inputs() -> dict[str, tuple[str | None, str | None]]:
    """name -> (text, html) of about 1 MB each."""
    attribution = "On Tue, 1 Dec 2026 at 09:12, Ada Lovelace <ada@example.com> wrote:\n"
    tricky = [  # each almost an attribution or a header line, at every quote depth: nothing matches
        "> On Monday the team said it would be done by Friday, and wrote it down somewhere",
        ">> Le lundi, quelqu'un a écrit ceci sans deux-points " + "et encore " * 20,
        ">>> Am Montag schrieb jemand etwas ohne Doppelpunkt " + "und noch " * 25,
        "> Op maandag schreef iemand iets " + "en nog " * 30,
        ">>>> From: someone in accounting about the numbers",
        "> Sent: yesterday, or so they say",
        "> -------- not quite an original message --------",
        "On " * 100 + "no wrote here",
        ">" * 60 + " " + PROSE,
    ]
    nested = "".join(f"<blockquote><p>{PROSE}</p>" for _ in range(200)) + "</blockquote>" * 200
    return {
        'reply, attribution, then 1 MB of "> " quoted prose': (REPLY + attribution + filled([f"> {PROSE}"]), None),
        "reply, then 1 MB of nested quotes and attribution-like lines": (REPLY + filled(tricky), None),
        "1 MB of unquoted prose (no history to find)": (filled([PROSE]), None),
        "1 MB HTML: a reply over nested <blockquote>s": (None, f"<p>{REPLY}</p>" + nested * (SIZE // len(nested))),
        "1 MB HTML: a Gmail reply over 1 MB of quoted paragraphs": (None, gmail_reply(attribution)),
        "1 MB HTML: a newsletter, nothing quoted": (None, f"<p>{PROSE}</p>" * (SIZE // (len(PROSE) + 7))),
    }


def gmail_reply(attribution: str) -> str:
    quoted = f"<p>{PROSE}</p>" * (SIZE // (len(PROSE) + 7))
    return (
        f'<div dir="ltr">{REPLY}</div><div class="gmail_quote"><div class="gmail_attr">{attribution}<br></div>'
        f'<blockquote class="gmail_quote">{quoted}</blockquote></div>'
    )


def large_times() -> None:
    print("\nMailman on 1 MB inputs, ms (median of up to 5 calls)")
    for name, (text, html) in large_inputs().items():
        started = time.perf_counter()
        replies.reply(text, html)
        first = time.perf_counter() - started
        seconds = first if first > 1 else timed(partial(replies.reply, text, html), 5)
        size = len((text or html or "").encode())
        print(f"  {seconds * 1e3:9.1f}  {name} ({size / 2**20:.2f} MiB)")


# --- main ----------------------------------------------------------------------------------------


def revision(path: Path) -> str:
    """``path`` relative to its git worktree, at the commit checked out there (+ when it differs from it)."""

    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=path.parent, capture_output=True, text=True).stdout.strip()

    top = git("rev-parse", "--show-toplevel")
    if not top:
        return str(path)
    changed = "+" if git("status", "--porcelain", "--", str(path)) else ""
    return f"{path.relative_to(top)} at {git('rev-parse', '--short', 'HEAD')}{changed} in {top}"


def named(values: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in values)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--peer", action="append", default=[], help="NAME=PYTHON of the peer's virtualenv")
    arguments.add_argument("--missing", action="append", default=[], help="NAME=WHY for a peer that did not install")
    arguments.add_argument("--repetitions", type=int, default=20, help="calls timed per fixture")
    arguments.add_argument("--details", action="store_true", help="list every parser's failures, not only Mailman's")
    options = arguments.parse_args()
    corpus = fixtures("reply")
    print(
        f"{len(corpus)} reply fixtures. Inputs: Mailman gets each message as delivered (tests/peer_corpus.message_bytes"
        " -> parse -> replies.reply(text, html)); peers get body-text fixtures' body as is, eml fixtures' first"
        " text/plain part decoded by the stdlib (email, policy.default; as talon's test), body-html fixtures' HTML"
        f" ({', '.join(sorted(HTML_PEERS))}) or that HTML converted by mailman_services.domain.quotes.html_to_text"
        " (text-only parsers). A peer's HTML output is converted by the same html_to_text before judging."
    )
    print(f"  {MAILMAN}: replies.reply(text, html).text from {revision(Path(replies.__file__))}")
    results = [mailman(corpus, options.repetitions)]
    for name, python in named(options.peer).items():
        print(f"  {name}: {CALLS.get(name, '?')}")
        outcome = peer(name, python, corpus, options.repetitions)
        if isinstance(outcome, str):
            print(f"  {name}: not run: {outcome}")
        else:
            results.append(outcome)
    for name, why in named(options.missing).items():
        print(f"  {name}: not installed: {why}")
    score_tables(corpus, results)
    failure_list(corpus, results[0], results[1:])
    if options.details:
        for scores in results[1:]:
            failure_list(corpus, scores, [other for other in results if other is not scores])
    speed_table(results, options.repetitions)
    large_times()


if __name__ == "__main__":
    main()
