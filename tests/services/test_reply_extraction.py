"""Reply extraction on shapes written here, in many languages: the peers' fixtures are judged in test_peer_corpus."""

from __future__ import annotations

import pytest
from mailman_services.domain.replies import reply

REPLY = "Thursday works for me."


@pytest.mark.parametrize(
    "history",
    [
        pytest.param("Em seg., 13 de jan. de 2025 às 10:02, Ana <ana@example.pt> escreveu:\n> Olá", id="pt-gmail"),
        pytest.param("El lun, 13 ene 2025 a las 10:02, Ana (<ana@example.es>) escribió:\n> Hola", id="es-gmail"),
        pytest.param("2025年1月13日(月) 10:02 Ana <ana@example.jp>:\n> こんにちは", id="ja-gmail"),
        pytest.param("Ana <ana@example.cn> 于2025年1月13日周一 10:02写道：\n> 你好", id="zh-gmail"),
        pytest.param("2025년 1월 13일 (월) 오전 10:02, Ana <ana@example.kr>님이 작성:\n> 안녕하세요", id="ko-gmail"),
        pytest.param("Ana <ana@example.tr>, 13 Oca 2025 Pzt, 10:02 tarihinde şunu yazdı:\n> Merhaba", id="tr-gmail"),
        pytest.param("Dne po 13. 1. 2025 10:02 uživatel Ana <ana@example.cz> napsal:\n> Ahoj", id="cs-gmail"),
        pytest.param("2025. jan. 13., h 10:02 Ana <ana@example.hu> írta:\n> Szia", id="hu-gmail"),
        pytest.param("Am Mo., 13. Jan. 2025 um 10:02 Uhr schrieb Ana <ana@example.de>:\n> Hallo", id="de-gmail"),
        pytest.param("On 13 Jan 2025, at 10:02, Ana Lovelace-Byron\n<ana@example.com> wrote:\n\n> Hi", id="en-wrapped"),
        pytest.param(
            "De: Ana <ana@example.es>\nEnviado: lunes, 13 de enero de 2025 10:02\nPara: Bob\nAsunto: Hola\n\nHola",
            id="es-outlook",
        ),
        pytest.param(
            "Da: Ana <ana@example.it>\nInviato: lunedì 13 gennaio 2025 10:02\nA: Bob\nOggetto: Ciao\n\nCiao",
            id="it-outlook",
        ),
        pytest.param(
            "Od: Ana <ana@example.pl>\nWysłano: poniedziałek, 13 stycznia 2025 10:02\nDo: Bob\nTemat: Cześć",
            id="pl-outlook",
        ),
        pytest.param(
            "От: Ana <ana@example.ru>\nОтправлено: 13 января 2025 г. 10:02\nКому: Bob\nТема: Привет", id="ru-outlook"
        ),
        pytest.param(
            "Kimden: Ana <ana@example.tr>\nGönderildi: 13 Ocak 2025 10:02\nKime: Bob\nKonu: Merhaba", id="tr-outlook"
        ),
        pytest.param(
            "差出人: Ana <ana@example.jp>\n送信日時: 2025年1月13日 10:02\n宛先: Bob\n件名: 会議", id="ja-outlook"
        ),
        pytest.param("-----Ursprüngliche Nachricht-----\nVon: Ana\nGesendet: Montag\n\nHallo", id="de-original"),
        pytest.param("-------- Messaggio originale --------\nOggetto: Ciao\nDa: Ana\n\nCiao", id="it-original"),
        pytest.param(
            "---------- Forwarded message ---------\nFrom: Ana <ana@example.com>\nDate: Mon\n\nHi", id="forward"
        ),
        pytest.param(
            "Begin forwarded message:\n\nFrom: Ana <ana@example.com>\nSubject: Hi\nDate: Mon\n\nHi", id="apple-forward"
        ),
        pytest.param(
            "________________________________\nFrom: Ana\nSent: Monday\nTo: Bob\nSubject: Hi\n\nHi", id="outlook-web"
        ),
        pytest.param("---- Ana Lovelace wrote ----\n\n> Hi", id="android"),
    ],
)
def test_history_in_many_languages_is_cut(history: str) -> None:
    text = f"{REPLY}\n\n{history}\n"
    assert reply(text, None).text == REPLY


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("On Monday we will discuss:\n- the budget\n- the plan", id="on-ending-in-colon"),
        pytest.param("Here is what John wrote:\nIt was a good idea.", id="wrote-without-date-or-address"),
        pytest.param("The meeting at 10:30 moves to:\nRoom 4", id="time-and-colon"),
        pytest.param("Write to <ada@example.com>:\nany time.", id="address-and-colon"),
        pytest.param("To: do list\n- milk\n- eggs", id="one-header-like-line"),
        pytest.param("Subject: the roadmap\nWe should decide soon.", id="two-header-like-lines"),
        pytest.param("In 2019 he wrote a letter to me, and in it he wrote:\nhello there and much more", id="prose"),
    ],
)
def test_text_that_only_looks_like_history_is_kept(text: str) -> None:
    assert reply(text, None).text == text


def test_interleaved_answers_keep_their_quotes_and_drop_the_attribution() -> None:
    text = (
        "On Mon, 13 Jan 2025 at 10:02, Ana <ana@example.com> wrote:\n"
        "> Can we meet on Thursday?\n\nYes, at 10.\n\n> Which room?\n\nThe blue one.\n\n"
        "> Ana\n> On Sun, 12 Jan 2025 at 09:00, Bob <bob@example.com> wrote:\n> > Shall we meet?\n"
    )
    assert reply(text, None).text == "> Can we meet on Thursday?\n\nYes, at 10.\n\n> Which room?\n\nThe blue one."


def test_a_sign_off_below_the_quote_is_the_authors() -> None:
    text = "Sounds good.\n\nOn Mon, 13 Jan 2025 at 10:02, Ana <ana@example.com> wrote:\n> Thursday?\n\nCheers,\nBob\n"
    extracted = reply(text, None)
    assert extracted.text == "Sounds good.\n\nCheers,\nBob"
    assert extracted.signature == "Cheers,\nBob"


def test_a_quoted_line_wrapped_without_its_marker_stays_in_the_quote() -> None:
    text = (
        "Agreed.\n\nOn Mon, 13 Jan 2025 at 10:02, Ana <ana@example.com> wrote:\n"
        "> This line of the quoted message is long enough to be wrapped by a mail client,\n"
        "and this is its end\n> Ana\n"
    )
    assert reply(text, None).text == "Agreed."


@pytest.mark.parametrize(
    ("text", "signature"),
    [
        pytest.param("Yes.\n\nThanks,\nAlex", "Thanks,\nAlex", id="sign-off-and-name"),
        pytest.param("Yes.\n\nRegards, Roman", "Regards, Roman", id="sign-off-with-name"),
        pytest.param("Yes.\n\n-- \nBob Babbage\nEngines Ltd", "--\nBob Babbage\nEngines Ltd", id="rfc3676"),
        pytest.param("Yes.\n\nSent from my iPhone", "Sent from my iPhone", id="tagline"),
        pytest.param(
            "Oui.\n\nCordialement,\nAnne Martin\n+33 1 23 45 67 89",
            "Cordialement,\nAnne Martin\n+33 1 23 45 67 89",
            id="fr",
        ),
        pytest.param("Ja.\n\nViele Grüße\nAnna", "Viele Grüße\nAnna", id="de"),
        pytest.param("Thanks!", None, id="a-reply-that-is-only-thanks"),
        pytest.param(
            "Yes.\n\nThanks, I will read the whole report tonight and come back to you with questions.",
            None,
            id="thanks-in-a-sentence",
        ),
        pytest.param(
            "Yes.\n\nBest,\n" + "\n".join(f"line {n}" for n in range(8)), None, id="too-long-to-be-a-signature"
        ),
    ],
)
def test_signature_is_the_sign_off_block_kept_at_the_end_of_the_text(text: str, signature: str | None) -> None:
    extracted = reply(text, None)
    assert extracted.signature == signature
    assert extracted.text is not None and extracted.text.endswith(signature or "")


def test_a_megabyte_of_quoted_history_is_cut_whole() -> None:
    quoted = "".join(f"> line {n} of the quoted history, with a colon at its end:\n" for n in range(18_000))
    text = f"{REPLY}\n\nOn Mon, 13 Jan 2025 at 10:02, Ana <ana@example.com> wrote:\n{quoted}"
    assert len(text) > 1_000_000
    assert reply(text, None).text == REPLY


def test_a_megabyte_of_near_misses_is_kept_whole() -> None:
    lines = [f"On day {n} of 2025 somebody wrote nothing, and this line ends in a colon:" for n in range(14_000)]
    text = "\n\n".join(lines)
    assert len(text) > 1_000_000
    assert reply(text, None).text == text
