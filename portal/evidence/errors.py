"""The refusal every evidence check raises (operations, antivirus, quota), in a module of
its own so those checks can raise it without importing the operations that call them."""
from dataclasses import dataclass, field


@dataclass
class EvidenceError(Exception):
    """A refused change: HTTP status and a Thai message for the user. `audit` holds an
    audit event (action and details) that must be kept although the change is rolled back."""

    status: int
    message: str
    audit: dict | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return self.message
