"""What every form of the portal shares."""
from wtforms.validators import DataRequired


class Required(DataRequired):
    """DataRequired without the `required` flag: the field renders no `required` attribute,
    so the browser shows no validation bubble of its own (English in an English browser);
    the server's Thai message appears at the field instead, with the input kept (422)."""

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.field_flags = {}  # set per instance by DataRequired
