"""The class of an error: what an operator should do about it, read from its type and message.

Six classes, each with a different remedy: `transient` (a dependency hiccup: retrying helps),
`timeout` (too slow: retry, or raise `timeout_s`), `breaker_open` (calls are held back until
the breaker half-opens), `bad_input` (the data does not fit: fix the variables), `permanent`
(the other side refused for good: retrying the same call will not help) and `bug` (our code or
the definition is wrong: fix and redeploy, then retry). The exception's class name (an
action's `error_type`) decides first, then the message; an error nothing recognises is
`permanent`, since retrying it has already been tried by the retry policy.
"""

from __future__ import annotations

import re
from typing import Final

TRANSIENT: Final = "transient"
TIMEOUT: Final = "timeout"
BREAKER_OPEN: Final = "breaker_open"
BAD_INPUT: Final = "bad_input"
PERMANENT: Final = "permanent"
BUG: Final = "bug"
CLASSES: Final = (TRANSIENT, TIMEOUT, BREAKER_OPEN, BAD_INPUT, PERMANENT, BUG)

# What an operator does about each class (shown next to it).
REMEDIES: Final[dict[str, str]] = {
    TRANSIENT: "a dependency failed for a moment: retry once it is back",
    TIMEOUT: "a call took too long: retry, or give the state a longer timeout_s",
    BREAKER_OPEN: "calls are held back until the breaker half-opens: fix the service behind it",
    BAD_INPUT: "the instance's data does not fit: set the variables right, then retry",
    PERMANENT: "the other side refused for good: handle it (move, cancel) rather than retry",
    BUG: "the action or the definition is wrong: fix and deploy it, then retry",
}

_BY_TYPE: Final[dict[str, str]] = {
    **dict.fromkeys(("Timeout", "TimeoutError", "ReadTimeout", "ConnectTimeout", "PoolTimeout",
                     "WriteTimeout", "TimeoutException", "DeadlineExceeded"), TIMEOUT),
    **dict.fromkeys(("ConnectionError", "ConnectionRefusedError", "ConnectionResetError",
                     "ConnectionAbortedError", "BrokenPipeError", "ConnectError",
                     "RemoteProtocolError", "NetworkError", "TransportError",
                     "ServiceUnavailable", "TemporaryFailure", "TransientError",
                     "OperationalError", "InterfaceError", "BlockingIOError",
                     "InterruptedError", "TooManyRequests", "RateLimited",
                     "ConcurrencyError", "StoreUnavailable"), TRANSIENT),
    "BreakerOpen": BREAKER_OPEN,
    **dict.fromkeys(("ValueError", "ValidationError", "VariablesInvalid", "GuardError",
                     "UnicodeDecodeError", "UnicodeEncodeError", "JSONDecodeError",
                     "InvalidOperation", "BadInput", "SchemaError"), BAD_INPUT),
    **dict.fromkeys(("PermissionError", "NotFound", "FileNotFoundError", "Forbidden",
                     "Unauthorized", "Conflict", "Permanent", "PermanentError",
                     "EventRefused"), PERMANENT),
    **dict.fromkeys(("TypeError", "AttributeError", "NameError", "KeyError", "IndexError",
                     "ZeroDivisionError", "AssertionError", "NotImplementedError",
                     "RecursionError", "UnboundLocalError", "ImportError",
                     "ModuleNotFoundError", "SyntaxError", "LookupError", "MissingHandler",
                     "BadResult", "DefinitionInvalid"), BUG),
}

# Tried in order on the message when the type says nothing (the first match wins).
_BY_MESSAGE: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"timed? ?out|deadline exceeded", re.I), TIMEOUT),
    (re.compile(r"breaker .* (is )?open|circuit open", re.I), BREAKER_OPEN),
    (re.compile(r"not in the definition|automatic steps in a row|no handler is registered|"
                r"must return a dict", re.I), BUG),
    # Guards and expressions (`shared.guards` wraps the expression in backticks) failing on
    # the instance's values: missing, of the wrong type, a field not there, a zero divisor.
    (re.compile(r"guard|input:|`until`|has no value in this instance|incompatible types|"
                r"which is not there|divides by zero|invalid|must be|required|malformed|"
                r"not a valid", re.I), BAD_INPUT),
    (re.compile(r"\b(429|502|503|504)\b|unavailable|temporar|connection (refused|reset)|"
                r"try again|too many requests|\bdown\b", re.I), TRANSIENT),
    (re.compile(r"\b(400|422)\b", re.I), BAD_INPUT),
    (re.compile(r"\b(401|403|404|409|410)\b|refused|rejected|denied|forbidden", re.I),
     PERMANENT),
)


def classify(error_type: str | None, message: str | None = None) -> str:
    """The class of an error from its exception class name and/or its message."""
    if error_type:
        name = error_type.rsplit(".", 1)[-1]
        if name in _BY_TYPE:
            return _BY_TYPE[name]
        if name.endswith(("Timeout", "TimeoutError")):
            return TIMEOUT
    for pattern, found in _BY_MESSAGE:
        if message and pattern.search(message):
            return found
    return PERMANENT
