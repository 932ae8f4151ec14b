"""How the definition scan recognises a pasted secret and an endpoint, in one string.

Known token shapes (cloud keys, private keys, JWTs, chat and payment tokens, our own API
tokens) are matched anywhere. A long random-looking word (high Shannon entropy, mixed case and
digits) is taken for a generated secret. Values of slots whose name says secret (`password`,
`api_key`, `token`, ...) need no such proof. Placeholders (`${TOKEN}`, `<password>`, `***`,
`changeme`) are never secrets: they are what the user is told to write instead.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit

KNOWN_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a JSON Web Token", re.compile(r"\beyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Slack webhook URL", re.compile(r"hooks\.slack\.com/services/T\w+/B\w+/\w+")),
    ("a Stripe secret key", re.compile(r"\b[rs]k_live_[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a Statewright API token", re.compile(r"\bswt_[0-9a-f]{16}_[A-Za-z0-9_-]{20,}")),
)
# Matched against a slot's name split into words (`apiKey` and `api_key` both read `api_key`).
_ANY_TOKEN = re.compile("|".join(f"(?P<k{i}>{pattern.pattern})"
                                 for i, (_, pattern) in enumerate(KNOWN_TOKENS)))
SECRET_NAME = re.compile(
    r"(^|_)(password|passwd|passphrase|pwd|secret|token|api_?key|apikey|private_?key|"
    r"access_?key|credentials?)($|_)"
)
_PLACEHOLDER = re.compile(
    r"(?i)^(\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|<[^>]*>|\{\{[^}]*\}\}|\*+|x+|\.+|-+|"
    r"changeme|change[-_ ]me|example|redacted|none|null|secret|password|todo)$"
)
_CEL_STRING = re.compile(r"""[rR]?("|')((?:\\.|(?!\1).)*)\1""")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_WORD = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s\"'<>`]+", re.IGNORECASE)
MIN_ENTROPY_BITS = 4.2  # per character; English words and ids stay well below it
MIN_SLOT_SECRET_CHARS = 6


@dataclass(frozen=True)
class Url:
    text: str
    parts: SplitResult

    @property
    def password(self) -> str | None:
        return self.parts.password

    @property
    def redacted(self) -> str:
        """The URL with its password replaced, for messages (they must not repeat it)."""
        if self.parts.password is None:
            return self.text
        return self.text.replace(f":{self.parts.password}@", ":***@", 1)

    @property
    def plain_http(self) -> bool:
        """An `http://` URL to anything but this machine (loopback is not on the wire)."""
        return self.parts.scheme.lower() == "http" and not _loopback(self.parts.hostname or "")


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.match(value.strip()))


def entropy_bits(word: str) -> float:
    """Shannon entropy per character of `word`."""
    counts = Counter(word)
    return -sum(n / len(word) * math.log2(n / len(word)) for n in counts.values())


def known_token(text: str) -> str | None:
    """What kind of well-known secret `text` contains, or None (one pass over `text`)."""
    match = _ANY_TOKEN.search(text)
    return KNOWN_TOKENS[int(match.lastgroup[1:])][0] if match and match.lastgroup else None


def random_word(text: str) -> bool:
    """Whether `text` contains a long word that looks generated: mixed case and digits, high
    entropy (hex digests and UUIDs stay below the bar)."""
    for word in _WORD.findall(text):
        kinds = (any(c.islower() for c in word), any(c.isupper() for c in word),
                 any(c.isdigit() for c in word))
        if all(kinds) and entropy_bits(word) >= MIN_ENTROPY_BITS:
            return True
    return False


def secret_kind(text: str, slot: str = "") -> str | None:
    """Why `text` (the value of a field or variable named `slot`) looks like a secret, or None."""
    if len(text) < MIN_SLOT_SECRET_CHARS or is_placeholder(text):
        return None
    kind = known_token(text)
    if kind:
        return kind
    if random_word(text):
        return "a random-looking key"
    if secret_slot(slot) and len(text.strip()) >= MIN_SLOT_SECRET_CHARS:
        return f"a value for '{slot}'"
    return None


@lru_cache(maxsize=4096)
def secret_slot(name: str) -> bool:
    """Whether a field or variable of this name holds a secret by its name."""
    return bool(SECRET_NAME.search(_CAMEL.sub(r"\1_\2", name).lower()))


def string_literals(src: str) -> list[str]:
    """The string literals of a CEL expression (what a `set` could paste a secret in as)."""
    return [m.group(2) for m in _CEL_STRING.finditer(src)]


def urls(text: str) -> list[Url]:
    if "://" not in text:
        return []
    found = []
    for match in _URL.finditer(text):
        try:
            parts = urlsplit(match.group(0).rstrip(".,;)"))
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            continue
        found.append(Url(match.group(0).rstrip(".,;)"), parts))
    return found


def _loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
