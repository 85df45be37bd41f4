"""Full-text search: the words of a message as a tsvector literal, and a ``q=`` search as a tsquery literal.

Both come from one tokenizer, so a query always agrees with what was indexed; PostgreSQL's text-search
parser is used for neither (it cost the database ~0.45 ms per realistic message and ~4 ms per 20 KB of text).

The rules:

* Text is lowercased (``str.lower``). A *word* is a maximal run of Unicode letters, digits and combining
  marks (``[^\\W_]`` and the ``M*`` categories: without the marks, Devanagari or decomposed accents would
  fall apart into letters).
* A *compound* is words joined by single ``.``, ``@`` or ``-`` characters: an address ``ada@example.com``,
  a host ``example.com``, ``foo-bar``, ``3.14``, ``1.2.3``. An underscore separates words, except in the
  local part of an address (before its ``@``): ``first_last@example.com`` is one compound.
* A message is indexed by every word and every whole compound (``ada``, ``example``, ``com`` and
  ``ada@example.com``; not ``example.com`` out of the address), without positions.
* A query requires each of its whole compounds and each word standing alone (AND); ``-term`` (the dash at
  the start of a whitespace-separated piece) requires its absence. Quotes are text like any other: there
  are no positions, so there is no phrase search. A query with no word is ``None`` (it matches nothing,
  as ``websearch_to_tsquery`` of such input did).

Rows indexed by PostgreSQL's ``to_tsvector('simple', …)`` (before migration 0016) keep their vectors. Its
parser emits an address, a host, a number or a version as one lexeme (without its parts) and a hyphenated
word whole and in parts, so a query for an ordinary word, an address, a host, a hyphenated word or a
number still finds those rows. Known differences, where such an old row is not found:

* a word inside an address, a host or a URL (``example`` of ``ada@example.com``); a URL's path;
* signed numbers and dates (PostgreSQL: ``-5``, ``2026``/``-12``/``-01``; here ``5``, ``2026-12-01``);
  words hyphenated to a number (``covid-19``: PostgreSQL ``covid`` and ``-19``);
* ``İ`` and a final ``Σ``, which ``str.lower`` makes ``i̇`` and ``ς`` (PostgreSQL: ``i`` and the medial sigma);
* an address PostgreSQL's parser does not take as one (``e-mail@x.y``, ``ada@localhost``);
* characters Python and the C library class differently (PostgreSQL in a C locale takes every non-ASCII
  character, emoji too, as a letter).
"""

from __future__ import annotations

import itertools
import operator
import re
import string
import unicodedata

# Inbound mail sets no bound on a message's parts, so search reads only a prefix of each (what is stored is
# whole). A tsvector's lexemes must take under 1 MB: without positions each character is in at most one word
# and one compound, 8 bytes of UTF-8 at most, and each lexeme costs a 4-byte entry, so 84,000 characters take
# 924 KB at most (the worst text, pairs of hyphenated 4-byte letters, takes 7.25 bytes a character).
SEARCHED_SUBJECT = 2_000
SEARCHED_SENDER = 1_000  # of the address and of the name each
SEARCHED_TEXT = 80_000
# PostgreSQL leaves a lexeme longer than this (in UTF-8 bytes) out of a tsvector.
LONGEST_LEXEME = 2_047

_JOINERS = ".@-"


def _marks() -> str:
    """The combining marks (categories Mn, Mc, Me) as a regex class body; they sit in planes 0 and 1 and in
    the variation selectors of plane 14."""
    category = unicodedata.category
    found = [c for r in (range(0x300, 0x20000), range(0xE0100, 0xE01F0)) for c in r if category(chr(c))[0] == "M"]
    ranges: list[tuple[int, int]] = []
    for code in found:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


_UNICODE_RUN = rf"[\w{_marks()}]+"  # a word, or words joined by underscores
_ASCII_RUN = "[a-z0-9_]+"  # the same in lowercased ASCII: a far smaller class, several times faster to match
_CHAIN = re.compile(rf"{_UNICODE_RUN}(?:[{re.escape(_JOINERS)}]{_UNICODE_RUN})*")
_ASCII_CHAIN = re.compile(rf"{_ASCII_RUN}(?:[{re.escape(_JOINERS)}]{_ASCII_RUN})*")
_WORD = re.compile(_UNICODE_RUN)  # in a chain whose underscores are spaces
_PUNCTUATION = string.punctuation  # none of it is in a word; stripped, a piece of text is often one word


def _terms(chain: str) -> list[str]:
    """The whole compounds and the words standing alone in ``chain`` (runs joined by single joiners)."""
    if "_" not in chain:
        return [chain]
    at = chain.rfind("@")
    pieces = chain[at + 1 :].split("_")
    if at >= 0:
        pieces[0] = chain[: at + 1] + pieces[0]  # the address keeps its local part's underscores
    return [term for piece in pieces if (term := piece.strip("_" + _JOINERS))]


def _fits(lexeme: str) -> bool:
    return len(lexeme.encode()) <= LONGEST_LEXEME


def lexemes(text: str) -> set[str]:
    """Every word and every whole compound of ``text``, lowercased, each at most LONGEST_LEXEME bytes."""
    # A chain never spans white space: each distinct piece is read once (mail repeats its words). Most pieces
    # are one word with punctuation around it; they are told apart by C functions over the whole list.
    distinct = list(set(text.lower().split()))
    stripped = list(map(str.strip, distinct, itertools.repeat(_PUNCTUATION)))
    one_word = list(map(str.isalnum, stripped))
    found = set(itertools.compress(stripped, one_word))
    ascii_pieces: list[str] = []
    other_pieces: list[str] = []
    for piece in itertools.compress(distinct, map(operator.not_, one_word)):
        (ascii_pieces if piece.isascii() else other_pieces).append(piece)
    for chains, pieces in ((_ASCII_CHAIN, ascii_pieces), (_CHAIN, other_pieces)):
        for chain in set(chains.findall(" ".join(pieces))):
            found.update(_terms(chain))
            if not chain.isalnum():
                found.update(_WORD.findall(chain.replace("_", " ")))
    if max(map(len, found), default=0) * 4 <= LONGEST_LEXEME:  # no lexeme can be too long
        return found
    return {lexeme for lexeme in found if len(lexeme) * 4 <= LONGEST_LEXEME or _fits(lexeme)}


def quoted(lexeme: str) -> str:
    """``lexeme`` as one quoted value of a tsvector or tsquery literal."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def vector(subject: str | None, sender_address: str | None, sender_name: str | None, text: str | None) -> str:
    """The tsvector literal (no positions) of a message, of the first ``SEARCHED_*`` characters of each part."""
    parts = (
        (subject, SEARCHED_SUBJECT),
        (sender_address, SEARCHED_SENDER),
        (sender_name, SEARCHED_SENDER),
        (text, SEARCHED_TEXT),
    )
    found = lexemes(" ".join(part[:bound] for part, bound in parts if part))
    spaced = " ".join(found)
    if "'" in spaced or "\\" in spaced:  # never from the tokenizer, whose lexemes are letters, digits and joiners
        return " ".join(quoted(lexeme) for lexeme in found)
    return "'" + "' '".join(found) + "'" if found else ""


def query(q: str) -> str | None:
    """The tsquery literal of a search: each word and whole compound required, each ``-term`` excluded;
    None when ``q`` holds no word."""
    clauses: list[str] = []
    for piece in q.lower().split():
        for n, chain in enumerate(_CHAIN.findall(piece)):
            terms = [quoted(term) for term in dict.fromkeys(_terms(chain)) if _fits(term)]
            if not terms:
                continue
            if n == 0 and piece.startswith("-"):
                clauses.append(f"!{terms[0]}" if len(terms) == 1 else f"!( {' & '.join(terms)} )")
            else:
                clauses.extend(terms)
    return " & ".join(dict.fromkeys(clauses)) or None
