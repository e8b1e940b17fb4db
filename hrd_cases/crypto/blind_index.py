"""Blind indexes: search encrypted names by whole (normalised) name, one part or two parts.

Storage holds, per person, truncated HMAC tokens of the whole normalised name, of each single
part and of each ordered pair of parts; a query is normalised and looked up as ONE term. So
"José María O'Neil-Gómez", "gomez", "José Gómez" and "O'Neil" all find the record, while
"gomez jose" (reordered) and "jose maria gomez" (three of five parts) do not. Callers
decrypt the candidates and keep only those for which :func:`matches` is true, which also
drops truncation collisions.

Leakage trade-off: equal names give equal tokens, so someone with database access can count how
often a token occurs (frequency analysis: common names stand out) and see which records share a
name part, but cannot read names without the index key. Truncating to 32 bits is deliberate: at
scale many different names share a token, which blurs that picture, while the cost stays tiny:
1,000,000 defenders x ~10 terms = 1e7 tokens, so a lookup sees 1e7 / 2**32 ~ 0.002 false
positives on average. ``bits`` is configurable (16..64); fewer bits leak less and cost more
decryptions per search. Changing ``bits`` or :func:`normalise_name` requires re-indexing.

Field tags: each token is the HMAC of the field it indexes and the term (``name`` or
``other_names``), so equal tokens never link one person's name to another's alias. A search
looks a term up in both fields (two tokens). Tokens written before tags existed (the bare
term) are found too, by :meth:`BlindIndex.lookup_tokens`, until ``hrd-cases keys reindex``
has rewritten them; after that the untagged lookup finds nothing.
"""

from __future__ import annotations

import hmac
import unicodedata
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hrd_cases.crypto.keyring import KEY_SIZE

BLIND_INDEX_INFO: Final = b"hrd-cases/blind-index/v1/names"

# Latin letters that NFKD does not decompose, folded to their usual ASCII spelling (applied
# after casefold, so upper-case forms are covered). "ß"/"ẞ" already casefold to "ss".
# Deliberately small: "ə" (Azerbaijani schwa) and other letters with no single accepted
# transliteration stay as they are.
_LATIN_TRANSLITERATION: Final = {
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "\u0131": "i",  # dotless i
    "ħ": "h",
    "ŧ": "t",
}

# Optional Arabic vowel marks (harakat), superscript alef and tatweel are usually omitted when
# names are typed, so they are dropped like Latin accents. So are hamza above/below and madda,
# which merges the alef forms (U+0623/0625/0622 -> U+0627): names are often typed without
# the hamza. Alef maqsura
# and taa marbuta variants are NOT merged.
_ARABIC_OPTIONAL: Final = frozenset([chr(c) for c in range(0x064B, 0x0656)] + ["\u0670", "\u0640"])
_ARABIC_LETTER_FOLDING: Final = {"\u0671": "\u0627"}  # alef wasla -> alef

# Characters used as apostrophes that Unicode classifies as letters, not punctuation.
_APOSTROPHE_LETTERS: Final = frozenset({"\u02bc", "\u02b9", "\u02bb", "\u02bd"})

# The fields the index tags its tokens with; a search looks in all of them.
NAME_FIELD: Final = "name"
NAME_FIELDS: Final = ("name", "other_names")
_MIN_BITS: Final = 16
_MAX_BITS: Final = 64


def _is_latin(char: str) -> bool:
    if "a" <= char <= "z":
        return True
    return unicodedata.name(char, "").startswith("LATIN ")


def normalise_name(text: str) -> str:
    """Fold a name so spelling variants typed by different people compare equal.

    NFKC (full-width and ligature forms), casefold, NFKD; then combining marks on Latin letters
    are dropped (accents), as are marks with no letter to attach to and optional Arabic marks;
    the small transliteration table maps ø, ł, đ, þ, æ ... to ASCII; punctuation, symbols,
    separators and control characters become spaces; invisible format characters (soft hyphen,
    zero-width joiners, direction marks) are removed; whitespace is collapsed; the result is
    NFC. Non-Latin scripts (Arabic, Cyrillic, Greek, Chinese, ...) keep their letters and marks.

    >>> normalise_name("  José   María O'Neil-Gómez ")
    'jose maria o neil gomez'
    """
    if not isinstance(text, str):
        raise TypeError("name must be a str")
    folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    base_keeps_marks = False  # is the last base character one whose marks we keep?
    for char in unicodedata.normalize("NFKD", folded):
        category = unicodedata.category(char)
        if category[0] == "M":
            if base_keeps_marks and char not in _ARABIC_OPTIONAL:
                out.append(char)
            continue
        if char in _ARABIC_OPTIONAL:  # tatweel: a letter-like filler, not a letter
            continue
        if category == "Cf":
            continue
        if category[0] in "PSZ" or category == "Cc" or char in _APOSTROPHE_LETTERS:
            out.append(" ")
            base_keeps_marks = False
            continue
        if _is_latin(char):
            out.append(_LATIN_TRANSLITERATION.get(char, char))
            base_keeps_marks = False
        else:
            out.append(_ARABIC_LETTER_FOLDING.get(char, char))
            base_keeps_marks = category[0] in "LN"
    return unicodedata.normalize("NFC", " ".join("".join(out).split()))


# A name with more parts than this indexes its pairs among the first parts only, which bounds
# the tokens per name (8 parts: 1 + 8 + 28 = 37 tokens).
MAX_PAIRED_PARTS: Final = 8


def name_terms(text: str) -> list[str]:
    """Terms to index for a name: the whole normalised name, each part, and each ordered pair
    of parts ("first last" for "first middle last", "o neil" for "O'Neil"), deduplicated."""
    normalised = normalise_name(text)
    if not normalised:
        return []
    parts = normalised.split(" ")
    paired = parts[:MAX_PAIRED_PARTS]
    pairs = [f"{a} {b}" for i, a in enumerate(paired) for b in paired[i + 1 :]]
    return list(dict.fromkeys([normalised, *parts, *pairs]))


class NameQuery:
    """A search term normalised once, to test many decrypted candidates against it."""

    __slots__ = ("normalised",)

    def __init__(self, query: str) -> None:
        self.normalised = normalise_name(query)

    def matches(self, decrypted_name: str) -> bool:
        """Same rule as :func:`matches`, without normalising the query again per candidate."""
        return bool(self.normalised) and self.normalised in name_terms(decrypted_name)


def matches(query: str, decrypted_name: str) -> bool:
    """Exact check after decryption: the query is the whole name or one of its parts.

    Blind-index lookups return candidates; this drops truncation collisions and any name that
    only shares a token by chance.
    """
    normalised_query = normalise_name(query)
    return bool(normalised_query) and normalised_query in name_terms(decrypted_name)


class BlindIndex:
    """Keyed, truncated HMAC-SHA256 tokens for searching names without decrypting them."""

    def __init__(self, index_key: bytes, bits: int = 32) -> None:
        if not isinstance(index_key, bytes | bytearray) or len(index_key) != KEY_SIZE:
            raise ValueError(f"index_key must be {KEY_SIZE} bytes")
        if isinstance(bits, bool) or not isinstance(bits, int):
            raise TypeError("bits must be an int")
        if bits % 8 or not _MIN_BITS <= bits <= _MAX_BITS:
            raise ValueError(
                f"bits must be a multiple of 8 between {_MIN_BITS} and {_MAX_BITS} (got {bits})"
            )
        self._bits = bits
        self._size = bits // 8
        # A derived subkey keeps index tokens independent of any other use of the root key.
        self._subkey = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=BLIND_INDEX_INFO
        ).derive(bytes(index_key))

    @property
    def bits(self) -> int:
        return self._bits

    def __repr__(self) -> str:
        return f"BlindIndex(bits={self._bits}, key=<redacted>)"

    def _mac(self, normalised_term: str, field: str | None) -> bytes:
        # NUL cannot occur in a field name or a normalised term (controls become spaces), so
        # (field, term) pairs never collide. None: the untagged form written before tags.
        data = normalised_term.encode("utf-8")
        if field is not None:
            data = field.encode("ascii") + b"\x00" + data
        return hmac.digest(self._subkey, data, "sha256")[: self._size]

    def token(self, term: str, field: str = NAME_FIELD) -> bytes:
        """Token of one term in one field (normalised first); ValueError if nothing is left."""
        normalised = normalise_name(term)
        if not normalised:
            raise ValueError("term is empty after normalisation")
        return self._mac(normalised, field)

    def tokens_for_name(self, full_name: str, field: str = NAME_FIELD) -> list[bytes]:
        """Tokens to store for a person's name (or one of their other names, ``field``):
        whole name plus each part and pair, tagged with the field (deduplicated, stable)."""
        return list(dict.fromkeys(self._mac(term, field) for term in name_terms(full_name)))

    def tokens_for_query(self, query: str, field: str = NAME_FIELD) -> list[bytes]:
        """The token of a search in one field: the whole normalised query as one term."""
        normalised = normalise_name(query)
        return [self._mac(normalised, field)] if normalised else []

    def lookup_tokens(self, query: str) -> list[bytes]:
        """Tokens a name search looks up: the query in every name field, plus its untagged
        form from before field tags (found only until ``keys reindex`` has run)."""
        normalised = normalise_name(query)
        if not normalised:
            return []
        return [*(self._mac(normalised, f) for f in NAME_FIELDS), self._mac(normalised, None)]
