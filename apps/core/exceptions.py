"""Domain exceptions. Each carries translated, specific messages for the user."""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """A business rule refused the operation; nothing was saved.

    `messages` are user-facing (already translated); `field` optionally names the form
    field the error belongs to.
    """

    def __init__(self, messages: str | Iterable[str], *, field: str | None = None, code: str = ""):
        self.messages = [messages] if isinstance(messages, str) else [str(m) for m in messages]
        self.field = field
        self.code = code
        super().__init__("; ".join(self.messages))


class PermissionDeniedError(DomainError):
    """The user lacks the role or permission the action needs."""


class SegregationOfDutiesError(DomainError):
    """The same person may not perform both steps (author and approver, ...)."""


class InvalidStateError(DomainError):
    """The document is not in a state that allows the action."""


class TradeNotAllowed(DomainError):
    """A licence rule (DESIGN.md 4.1) forbids trading; `blockers` lists every reason."""

    def __init__(self, blockers):
        self.blockers = list(blockers)
        super().__init__([b.message for b in self.blockers], code="trade_not_allowed")
