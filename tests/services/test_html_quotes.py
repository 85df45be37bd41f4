"""extracted_html: an HTML reply without its quoted history, its kept markup unchanged."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from mailman_services.domain.html_quotes import extracted_html
from mailman_services.domain.quotes import html_to_text

PEERS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "peers"
TALON_HTML = PEERS / "talon" / "html_replies"
TALON_FIXTURES = [
    "gmail",
    "hotmail",
    "mail_ru",
    "ms_outlook_2003",
    "ms_outlook_2007",
    "ms_outlook_2010",
    "thunderbird",
    "windows_mail",
    "yandex_ru",
]

NEW = '<div dir="ltr">Sounds good, see you <b>Friday</b>.</div>'
OLD = "<div>Can we meet on Friday?</div>"


def unclosed(html: str) -> list[str]:
    """Elements a parser still has open at the end of ``html`` (void elements aside)."""
    void = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source", "embed"}

    class Stack(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in void:
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag) :]

    stack = Stack()
    stack.feed(html)
    stack.close()
    return stack.open


def text(html: str) -> str:
    return html_to_text(extracted_html(html))


# --- the clients' structures ------------------------------------------------------------------------


def test_gmail_quote_goes_whole() -> None:
    html = (
        f'{NEW}<br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
        "On Mon, Jun 2, 2025 at 9:00 AM Bob &lt;bob@example.com&gt; wrote:<br></div>"
        f'<blockquote class="gmail_quote" style="margin:0 0 0 .8ex">{OLD}</blockquote></div>'
    )
    assert extracted_html(html) == f"{NEW}<br>"


def test_old_gmail_attribution_inside_the_quote_container() -> None:
    html = (
        f'{NEW}<div class="gmail_extra"><br><div class="gmail_quote">On Mon, Jun 2, 2025 at 9:00 AM, Bob '
        f'<span dir="ltr">&lt;bob@example.com&gt;</span> wrote:<br><blockquote class="gmail_quote">{OLD}'
        "</blockquote></div><br></div>"
    )
    assert extracted_html(html) == f'{NEW}<div class="gmail_extra"><br><br></div>'


def test_gmail_inline_answers_stay_between_removed_quotes() -> None:
    html = (
        '<div dir="ltr"><div class="gmail_quote"><div class="gmail_attr">On Mon, Bob wrote:</div>'
        '<blockquote class="gmail_quote"><div>Friday?</div></blockquote><div>Yes, Friday.</div>'
        '<blockquote class="gmail_quote"><div>Noon?</div></blockquote><div>Make it one.</div></div></div>'
    )
    kept = extracted_html(html)
    assert kept == '<div dir="ltr"><div class="gmail_quote"><div>Yes, Friday.</div><div>Make it one.</div></div></div>'
    assert "Bob wrote" not in kept


def test_outlook_web_reply_header_and_all_after_it() -> None:
    html = (
        f'<html><body><div style="font-size:12pt">{NEW}</div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Bob<br><b>Sent:</b> Monday</div>'
        f"<div>{OLD}</div></body></html>"
    )
    assert extracted_html(html) == f'<html><body><div style="font-size:12pt">{NEW}</div></body></html>'


def test_outlook_appendonsend_marker() -> None:
    html = (
        f'<body><div>{NEW}</div><div id="appendonsend"></div><hr><div id="x_divRplyFwdMsg">From: Bob</div>{OLD}</body>'
    )
    assert extracted_html(html) == f"<body><div>{NEW}</div></body>"


def test_outlook_2007_bordered_header_block() -> None:
    html = (
        f"<body><div class=WordSection1><p class=MsoNormal>{NEW}</p>"
        "<div style='border:none;border-top:solid #B5C4DF 1.0pt;padding:3.0pt 0cm 0cm 0cm'><p class=MsoNormal>"
        "<b><span>From:</span></b><span> Bob [mailto:bob@example.com]<br><b>Sent:</b> Monday<br>"
        f"<b>To:</b> Alex<br><b>Subject:</b> Friday</span></p></div><p>{OLD}</p></div></body>"
    )
    assert extracted_html(html) == f"<body><div class=WordSection1><p class=MsoNormal>{NEW}</p></div></body>"


def test_a_bordered_div_without_a_header_is_the_author_s() -> None:
    html = f'<div>{NEW}</div><div style="border-top-style: solid">Regards, Alex</div>'
    assert extracted_html(html) is html


def test_hotmail_stop_spelling_rule() -> None:
    html = f'<div dir="ltr">{NEW}<div><hr id="stopSpelling">Date: Monday<br>From: bob@example.com<br>{OLD}</div></div>'
    assert extracted_html(html) == f'<div dir="ltr">{NEW}<div></div></div>'


def test_outlook_express_message_header() -> None:
    html = f'{NEW}<div class="OutlookMessageHeader" lang="en-us"><hr><b>From:</b> Bob</div>{OLD}'
    assert extracted_html(html) == NEW


def test_apple_mail_cite_and_its_attribution() -> None:
    html = (
        f"<html><body>{NEW}<div><br><div>On Jun 2, 2025, at 09:00, Bob &lt;bob@example.com&gt; wrote:</div>"
        f'<br class="Apple-interchange-newline"><blockquote type="cite">{OLD}</blockquote></div><br></body></html>'
    )
    kept = extracted_html(html)
    assert kept == f"<html><body>{NEW}<div><br><div></div></div><br></body></html>"
    assert html_to_text(kept) == "Sounds good, see you Friday."


def test_thunderbird_cite_prefix_and_blockquote() -> None:
    html = (
        f'<html><body>{NEW}<div class="moz-cite-prefix">On 02.06.2025 09:00, Bob wrote:<br></div>\n'
        f'<blockquote type="cite" cite="mid:1@example.com">{OLD}</blockquote><br></body></html>'
    )
    assert extracted_html(html) == f"<html><body>{NEW}\n<br></body></html>"


def test_yahoo_quoted() -> None:
    html = (
        f'<div class="ydp1a2b3c4dyahoo-style-wrap">{NEW}</div><div id="yahoo_quoted_1234567" class="yahoo_quoted">'
        f'<div style="font-size:13px">On Monday, June 2, 2025, 09:00:00 AM GMT, Bob wrote:</div>{OLD}</div>'
    )
    assert extracted_html(html) == f'<div class="ydp1a2b3c4dyahoo-style-wrap">{NEW}</div>'


def test_protonmail_quote() -> None:
    html = (
        f'<div style="font-family: Arial">{NEW}</div><div class="protonmail_quote">On Monday, Bob wrote:<br>'
        f'<blockquote class="protonmail_quote" type="cite">{OLD}</blockquote><br></div>'
    )
    assert extracted_html(html) == f'<div style="font-family: Arial">{NEW}</div>'


def test_zoho_extra() -> None:
    html = f'<div>{NEW}<div class="zmail_extra"><div>---- On Mon, 02 Jun 2025 Bob wrote ----</div>{OLD}</div></div>'
    assert extracted_html(html) == f"<div>{NEW}</div>"


def test_yandex_blockquote_after_a_date_and_address_line() -> None:
    html = (
        f'<p>{NEW}<br /><br />02.06.2025, 09:00, "Bob" &lt;<a href="mailto:bob@example.com">bob@example.com</a>&gt;:'
        f"</p><blockquote>{OLD}</blockquote>"
    )
    assert extracted_html(html) == f"<p>{NEW}<br /><br /></p>"


def test_a_blockquote_without_attribution_is_the_author_s() -> None:
    html = f"<div>{NEW}</div><div>As the poet said:</div><blockquote>To be or not to be.</blockquote>"
    assert extracted_html(html) is html


def test_interleaved_cites_keep_every_answer() -> None:
    html = (
        "<body><div>On Mon, Jun 2, 2025, at 09:00, Bob wrote:</div>"
        '<blockquote type="cite">Friday?</blockquote><div>Yes.</div>'
        '<blockquote type="cite">Noon?</blockquote><div>One is better.</div><div>Alex</div></body>'
    )
    kept = extracted_html(html)
    assert html_to_text(kept) == "Yes.\nOne is better.\nAlex"
    assert kept == "<body><div></div><div>Yes.</div><div>One is better.</div><div>Alex</div></body>"


# --- the text-level rule ------------------------------------------------------------------------------


def test_attribution_line_and_plain_blockquote() -> None:
    html = f"<div>{NEW}</div><div>On Mon, Jun 2, 2025 at 9:00 AM Bob wrote:</div><blockquote>{OLD}</blockquote>"
    assert extracted_html(html) == f"<div>{NEW}</div><div></div>"


def test_outlook_header_block_in_plain_paragraphs() -> None:
    html = (
        f'<html><body><div class="WordSection1"><p class="MsoNormal">{NEW}</p>'
        '<p class="MsoNormal"><b><span>From:</span></b><span> Bob<br><b>Sent:</b> Monday<br>'
        f"<b>To:</b> Alex<br><b>Subject:</b> Friday</span></p><p>{OLD}</p></div></body></html>"
    )
    kept = extracted_html(html)
    assert html_to_text(kept) == "Sounds good, see you Friday."
    assert kept.startswith(f'<html><body><div class="WordSection1"><p class="MsoNormal">{NEW}</p>')
    assert unclosed(kept) == []


def test_original_message_rule_after_an_hr() -> None:
    html = f"<body><p>{NEW}</p><div><hr></div><p>-----Original Message-----<br>{OLD}</p></body>"
    assert extracted_html(html) == f"<body><p>{NEW}</p><div></div></body>"


# --- what stays as it is --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "plain words, no markup",
        f"<html><head><style>.gmail_quote {{ color: red }}</style></head><body>{NEW}</body></html>",
        f"<!-- <div class='gmail_quote'> -->{NEW}",
        f"<table><tr><td>{NEW}</td></tr></table>",
    ],
)
def test_nothing_quoted_returns_the_input(html: str) -> None:
    assert extracted_html(html) is html


@pytest.mark.parametrize(
    "html",
    [
        "<div><<<>>>&&&;</div></span></p></b>",
        '<div class="gmail_quote',
        "<blockquote type=cite>" * 50,
        '<a href="' + "x" * 1000,
        "<!--" + "<div>" * 100,
        "</div>" * 100 + "<p>" * 100,
        "\x00\ud800<div\x00>",
    ],
)
def test_malformed_input_never_raises(html: str) -> None:
    assert isinstance(extracted_html(html), str)


@pytest.mark.parametrize("unit", ["</", "<!", "<a ", "<", "&amp;", "<div>a", "<p>", "<!--", "<blockquote>"])
def test_pathological_markup_is_read_in_linear_time(unit: str) -> None:
    html = unit * 200_000  # html.parser's close() alone takes minutes on some of these
    assert extracted_html(html) is html


def test_preformatted_reply() -> None:
    html = "<pre>Friday &amp; noon.\n\nOn Mon, Jun 2, 2025 at 9:00 AM Bob wrote:\n&gt; Can we meet?\n</pre>"
    assert extracted_html(html) == "<pre>Friday &amp; noon.\n\n</pre>"


def test_a_large_inline_image_before_the_quote() -> None:
    image = '<img src="data:image/png;base64,' + "A" * 5_000_000 + '">'
    html = f'{NEW}{image}<div class="gmail_quote"><blockquote class="gmail_quote">{OLD}</blockquote></div>'
    assert extracted_html(html) == NEW + image


def test_unclosed_quote_runs_to_the_end_and_its_ancestors_are_closed() -> None:
    html = f'<html><body><div>{NEW}<blockquote type="cite"><div>{OLD}'
    kept = extracted_html(html)
    assert kept == f"<html><body><div>{NEW}</div></body></html>"


def test_implicitly_closed_elements_and_upper_case_tags() -> None:
    html = f'<DIV>{NEW}<P>more<DIV CLASS="gmail_quote"><BLOCKQUOTE CLASS="gmail_quote">{OLD}</DIV></DIV>'
    assert extracted_html(html) == f"<DIV>{NEW}<P>more</DIV>"
    cite = f'<body><div>{NEW}<blockquote type="cite"><div>{OLD}</div></div><p>PS: and you?</p></body>'
    assert extracted_html(cite) == f"<body><div>{NEW}</div><p>PS: and you?</p></body>"


def test_a_megabyte_of_quoted_history() -> None:
    quoted = "<div>Earlier message, <b>quoted</b> again.</div>\n" * 25_000
    html = (
        f"<html><body>{NEW}"
        f'<div class="gmail_quote"><div class="gmail_attr">On Mon, Bob wrote:</div><blockquote class="gmail_quote">'
        f"{quoted}</blockquote></div></body></html>"
    )
    assert len(html) > 1_000_000
    assert extracted_html(html) == f"<html><body>{NEW}</body></html>"
    outlook = f'<body>{NEW}<div id="divRplyFwdMsg">From: Bob</div>{quoted}</body>'
    assert extracted_html(outlook) == f"<body>{NEW}</body>"
    text_level = f"<body><p>{NEW}</p><p>From: Bob<br>Sent: Monday<br>To: Alex<br>Subject: Hi</p>{quoted}</body>"
    assert html_to_text(extracted_html(text_level)) == "Sounds good, see you Friday."


def test_a_long_message_without_quotes_is_kept() -> None:
    html = "<div>News of the week, <i>again</i>.</div>\n" * 30_000
    assert extracted_html(html) is html


# --- the peers' fixtures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", TALON_FIXTURES)
def test_talon_html_replies(name: str) -> None:
    path = TALON_HTML / f"{name}.html"
    assert path.is_file(), f"missing fixture {path}: the peer corpus belongs at ../shared/corpus/peers"
    html = path.read_text(encoding="utf-8")
    kept = extracted_html(html)
    reply = html_to_text(kept)
    assert "Hi. I am fine." in reply
    assert "Hello! How are you?" not in reply
    assert "Alex" in reply
    assert html.startswith(kept[: kept.find("Alex")])  # the kept markup is the source's own
    assert unclosed(kept) == unclosed(html) == []
