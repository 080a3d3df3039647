"""The one error an operation raises when it refuses a change: the HTTP status and the
Thai message the user sees (DESIGN: 404 another agency's object, 403 a missing right, 413,
415, 422, 507 …). A form that refused its input keeps it in `form`, so the page can show
it again, and `field` names the input the message is about (its id in the form), so
the page puts the message beside that input. Views hand refusals to portal.actions, or let them reach the app's handler
(portal.main.errors), which answers like abort(status, message)."""
from dataclasses import dataclass
from typing import Any


@dataclass
class Refused(Exception):
    status: int
    message: str
    form: Any = None  # what the user typed, for forms that show it again (category 7 metrics)
    field: str | None = None  # the input the message belongs beside, when the form has several

    def __str__(self) -> str:
        return self.message
