"""Search: the tokenizer's rules (domain/search.py), its literals as PostgreSQL reads them, and ``q=`` through the
API, over messages indexed by the services and over rows whose vector PostgreSQL built before migration 0016."""

from __future__ import annotations

import random
import re
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import psycopg
import pytest
from mailman_services.domain import search
from mailman_services.domain.ids import new_id

from tests.conftest import Stack
from tests.services.test_pipeline import messages_of, smtp_send, wait_for

# The rules written plainly (one regex over the whole text), to hold the tokenizer's fast paths to them.
_RUN = search._UNICODE_RUN
_CHAIN = re.compile(rf"{_RUN}(?:[.@-]{_RUN})*")


def by_the_rules(text: str) -> set[str]:
    found: set[str] = set()
    for chain in _CHAIN.findall(text.lower()):
        found.update(re.findall(_RUN, chain.replace("_", " ")))
        local, at, domain = chain.rpartition("@")
        pieces = domain.split("_")
        pieces[0] = local + at + pieces[0]
        found.update(term for piece in pieces if (term := piece.strip("_.@-")))
    return {lexeme for lexeme in found if len(lexeme.encode()) <= search.LONGEST_LEXEME}


def test_words_and_whole_compounds_are_indexed_lowercased() -> None:
    text = (
        "Mail Ada.Lovelace@Example.COM at example.com about foo-bar, v1.2.3 and 3.14; don't re_use x😀y "
        "first_last@corp.example.org https://www.example.org/a-b?x=1 Café हिन्दी 日本語テキスト __init__"
    )
    assert search.lexemes(text) == {
        *("mail", "ada", "lovelace", "example", "com", "ada.lovelace@example.com", "at", "example.com", "about"),
        *("foo", "bar", "foo-bar", "v1", "2", "3", "v1.2.3", "and", "14", "3.14", "don", "t", "re", "use"),
        *("x", "y", "first", "last", "corp", "org", "first_last@corp.example.org", "https", "www"),
        *("www.example.org", "a", "b", "a-b", "1", "café", "हिन्दी", "日本語テキスト", "init"),
    }


def test_the_fast_paths_keep_the_rules() -> None:
    samples = [
        "(ada@example.com) «quoted» \u2018curly\u2019 trailing-hyphen- -leading .dot.",
        "a..b a--b a@@b x@y_z@w _a_ a_.b@c",
        "Ünïcödé-wörd über.de user@über.de ΣΑΣ İstanbul straße ½ ² ٣ cafe\u0301 e\u0301t\u00e9 ไทย ที่ العربية",
        "tab\tnew\nline\u00a0nbsp\u2003em\u3000ideographic zero\u200bwidth",
    ]
    pool = "aZ9_.@- \t'\"(),;:!?é\u0301ß日😀\u00a0\u093f\u0915-"
    rng = random.Random(7)
    samples += ["".join(rng.choice(pool) for _ in range(400)) for _ in range(200)]
    for sample in samples:
        assert search.lexemes(sample) == by_the_rules(sample), sample


def test_a_query_requires_each_word_and_whole_compound_and_excludes_dashed_terms() -> None:
    assert search.query("Invoice") == "'invoice'"
    assert search.query("friday  LUNCH") == "'friday' & 'lunch'"
    # A compound is asked for whole: PostgreSQL's own vectors hold an address or a host without its parts.
    assert search.query("ada@example.com") == "'ada@example.com'"
    assert search.query("example.com foo-bar") == "'example.com' & 'foo-bar'"
    assert search.query("first_last@x.org") == "'first_last@x.org'"
    assert search.query("invoice -spam -foo_bar") == "'invoice' & !'spam' & !( 'foo' & 'bar' )"
    assert search.query('"exact phrase" or not') == "'exact' & 'phrase' & 'or' & 'not'"
    assert search.query("don't (ada)") == "'don' & 't' & 'ada'"
    assert search.query("a a A") == "'a'"
    assert search.query("-spam") == "!'spam'"
    for wordless in ("!!!", "-", " - ", "😀", '""', "_"):
        assert search.query(wordless) is None


def test_hostile_text_is_bounded() -> None:
    forty_mb = "word " * 8_000_000 + "beyond"
    assert len(forty_mb) > 40_000_000
    assert search.vector(None, None, None, forty_mb) == "'word'"  # the first 80,000 characters only
    assert search.lexemes("nul\x00separated\x00words") == {"nul", "separated", "words"}
    assert search.lexemes("lone \ud800 surrogate\udfff here") == {"lone", "surrogate", "here"}
    distinct = " ".join(f"w{n}" for n in range(10_000))
    assert search.lexemes(distinct) == {f"w{n}" for n in range(10_000)}
    longest = "\U00020000" * 511  # 2,044 bytes: indexed; one more letter is past PostgreSQL's 2,047
    assert search.lexemes(f"{longest} {longest}\U00020001 short") == {longest, "short"}
    assert search.lexemes("x" * 2047 + " " + "y" * 2048) == {"x" * 2047}


@pytest.fixture
def db(stack: Stack) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        yield conn


def test_the_literals_read_back_exactly_in_postgresql(db: psycopg.Connection[Any]) -> None:
    def parsed(literal: str) -> set[str]:
        row = db.execute("SELECT tsvector_to_array(%s::tsvector)", (literal,)).fetchone()
        assert row is not None
        return set(row[0])

    text = "Ada.Lovelace@Example.COM foo-bar 3.14 Café हिन्दी 日本語 first_last@x.org"
    assert parsed(search.vector("Subject", "ada@example.com", "Ada", text)) == search.lexemes(
        f"Subject ada@example.com Ada {text}"
    )
    assert parsed(search.vector(None, None, None, "!!!")) == set()
    odd = ["it's", "back\\slash", "two words", "''", "\\'", ":*", "&|!"]
    assert parsed(" ".join(search.quoted(lexeme) for lexeme in odd)) == set(odd)
    for lexeme in odd:
        (matched,) = db.execute(
            "SELECT %s::tsvector @@ %s::tsquery", (search.quoted(lexeme), search.quoted(lexeme))
        ).fetchone() or (None,)
        assert matched is True, lexeme

    def matches(vector: str, q: str) -> bool:
        literal = search.query(q)
        assert literal is not None
        row = db.execute("SELECT %s::tsvector @@ %s::tsquery, %s::tsquery::text", (vector, literal, literal)).fetchone()
        assert row is not None and row[1] == literal  # PostgreSQL prints back what it was given
        return bool(row[0])

    message = search.vector("Invoice 42", "ada@example.com", "Ada", "Lunch on Friday at foo-bar.example")
    assert matches(message, "invoice FRIDAY")
    assert matches(message, "ada@example.com foo-bar.example")
    assert not matches(message, "invoice -lunch")
    assert matches(message, "invoice -dinner")
    assert not matches(message, "invoice dinner")


def test_the_worst_text_within_the_bounds_stays_under_the_tsvector_limit(db: psycopg.Connection[Any]) -> None:
    """Pairs of hyphenated distinct 4-byte letters: each pair is three lexemes (two letters and the pair)."""
    letters = iter(range(0x20000, 0x2A6E0))  # CJK Extension B: 42,720 letters

    def pairs(characters: int) -> str:
        return " ".join(f"{chr(next(letters))}-{chr(next(letters))}" for _ in range(characters // 4))

    fields = (pairs(search.SEARCHED_SUBJECT), pairs(search.SEARCHED_SENDER), pairs(search.SEARCHED_SENDER))
    literal = search.vector(*fields, pairs(search.SEARCHED_TEXT))
    row = db.execute("SELECT length(%s::tsvector), pg_column_size(%s::tsvector)", (literal, literal)).fetchone()
    assert row is not None
    count, size = row
    assert count == 21_000 * 3
    assert size < 1_048_576


@pytest.fixture
def inbox(api: httpx.Client) -> dict[str, Any]:
    created: dict[str, Any] = api.post("/v1/inboxes", json={"name": "Searchers"}).json()
    return created


def found(api: httpx.Client, inbox_id: str, q: str) -> list[str]:
    response = api.get(f"/v1/inboxes/{inbox_id}/messages", params={"q": q})
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["data"]]


def test_received_mail_is_found_by_its_words_addresses_hosts_and_hyphenated_words(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    message = EmailMessage()
    message["From"] = "Grace Hopper <Grace.Hopper@Navy.example>"
    message["To"] = inbox["address"]
    message["Subject"] = "Quarterly Zebra-Report"
    message.set_content("The MAINFRAME manual is at https://cobol.example.org/manual, naïve readers welcome.\n")
    smtp_send(stack, message, [inbox["address"]])
    other = EmailMessage()
    other["From"] = "Ada <ada@example.com>"
    other["To"] = inbox["address"]
    other["Subject"] = "Quarterly numbers"
    other.set_content("Nothing else.\n")
    smtp_send(stack, other, [inbox["address"]])
    listed = wait_for(lambda: len(found := messages_of(api, inbox["id"])) == 2 and found)
    grace, ada = (
        next(m["id"] for m in listed if m["subject"] == s) for s in ("Quarterly Zebra-Report", "Quarterly numbers")
    )

    for q in (
        "zebra",  # a word of the subject
        "zebra-report",  # a hyphenated word
        "mainframe",  # of the body
        "MainFrame manual",  # case-insensitive, every word
        "naïve",
        "grace hopper",  # the sender's name
        "grace.hopper@navy.example",  # the sender's address
        "navy",  # a word of it
        "cobol.example.org",  # a host
        "quarterly -numbers",
    ):
        assert found(api, inbox["id"], q) == [grace], q
    assert found(api, inbox["id"], "quarterly") == [ada, grace]
    assert found(api, inbox["id"], "quarterly -zebra") == [ada]
    assert found(api, inbox["id"], "zebra numbers") == []
    assert found(api, inbox["id"], "!!!") == []  # no word: nothing, as before


def test_mail_without_a_from_header_is_found_by_its_envelope_sender(
    stack: Stack, api: httpx.Client, inbox: dict[str, Any]
) -> None:
    raw = f"To: {inbox['address']}\r\nSubject: Anonymous note\r\n\r\nHello\r\n".encode()
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.sendmail("Envelope.Sender@Example.net", [inbox["address"]], raw)
    [stored] = wait_for(lambda: messages_of(api, inbox["id"]))
    assert found(api, inbox["id"], "envelope.sender@example.net") == [stored["id"]]
    assert found(api, inbox["id"], "anonymous") == [stored["id"]]


def test_sent_mail_is_found_by_its_words_and_its_sender(api: httpx.Client, inbox: dict[str, Any]) -> None:
    sent = api.post(
        f"/v1/inboxes/{inbox['id']}/messages",
        json={"to": ["ada@example.com"], "subject": "Ticket-4242 resolved", "text": "Patched the Gizmo."},
    ).json()
    assert found(api, inbox["id"], "ticket-4242") == [sent["id"]]
    assert found(api, inbox["id"], "GIZMO resolved") == [sent["id"]]
    assert found(api, inbox["id"], "searchers") == [sent["id"]]  # the inbox's name, its sender name
    assert found(api, inbox["id"], inbox["address"]) == [sent["id"]]
    assert found(api, inbox["id"], "gizmo -patched") == []


def test_a_row_indexed_by_postgresql_before_0016_is_still_found(
    db: psycopg.Connection[Any], api: httpx.Client, inbox: dict[str, Any]
) -> None:
    thread_id, message_id = new_id("thr"), new_id("msg")
    db.execute("INSERT INTO threads (id, inbox_id) VALUES (%s, %s)", (thread_id, inbox["id"]))
    db.execute(
        'INSERT INTO messages (id, inbox_id, thread_id, direction, status, message_id, "from", verdicts, subject,'
        " text, search) VALUES (%(id)s, %(inbox)s, %(thread)s, 'inbound', 'received', '<old@example.com>',"
        ' \'{"address": "old.timer@legacy.example", "name": "Old Timer"}\', \'{}\', %(subject)s, %(text)s,'
        " to_tsvector('simple', %(subject)s || ' old.timer@legacy.example Old Timer ' || %(text)s))",
        {
            "id": message_id,
            "inbox": inbox["id"],
            "thread": thread_id,
            "subject": "Vintage Hardware",
            "text": "Visit www.retro.example or mail first_last@corp.example, re-issued 3.14 v1.2.3 manuals.",
        },
    )
    db.commit()
    for q in (
        "vintage",
        "HARDWARE timer",
        "old.timer@legacy.example",
        "first_last@corp.example",
        "www.retro.example",
        "re-issued",
        "issued",
        "3.14 v1.2.3",
    ):
        assert found(api, inbox["id"], q) == [message_id], q
    assert found(api, inbox["id"], "vintage -manuals") == []


def test_migration_0016_keeps_every_vector_and_its_downgrade_computes_them_again(stack: Stack) -> None:
    from alembic import command
    from alembic.config import Config
    from mailman_services.db.engine import MIGRATIONS, migrate

    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS search_migration")
        conn.execute("CREATE DATABASE search_migration")
    url = f"postgresql+psycopg://postgres@/search_migration?host={socket_dir}"
    migrate(url, "0015")
    generated = (
        "SELECT is_generated FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'search'"
    )
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="search_migration", autocommit=True) as conn:
        conn.execute("INSERT INTO domains (id, name, verification_token) VALUES ('dom_1', 'old.test', 't')")
        conn.execute(
            "INSERT INTO inboxes (id, domain_id, local_part, address) VALUES ('inb_1', 'dom_1', 'a', 'a@old.test')"
        )
        conn.execute("INSERT INTO threads (id, inbox_id) VALUES ('thr_1', 'inb_1')")
        conn.execute(
            'INSERT INTO messages (id, inbox_id, thread_id, direction, status, message_id, "from", verdicts, subject,'
            " text) VALUES ('msg_1', 'inb_1', 'thr_1', 'inbound', 'received', '<m@old.test>',"
            " '{\"address\": \"ada@example.com\"}', '{}', 'Kept vector', 'of example.com')"
        )
        before = conn.execute("SELECT search::text FROM messages").fetchone()
        assert before is not None and "'example.com'" in before[0]
        migrate(url)
        assert conn.execute(generated).fetchone() == ("NEVER",)
        assert conn.execute("SELECT search::text FROM messages").fetchone() == before
        conn.execute("UPDATE messages SET search = ''")
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", url)
        command.downgrade(config, "0015")
        assert conn.execute(generated).fetchone() == ("ALWAYS",)
        assert conn.execute("SELECT search::text FROM messages").fetchone() == before
