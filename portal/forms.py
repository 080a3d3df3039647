"""What every form of the portal shares."""
from wtforms.validators import DataRequired


class Required(DataRequired):
    """DataRequired without the `required` flag: the field renders no `required` attribute,
    so the browser shows no validation bubble of its own (English in an English browser);
    the server's Thai message appears at the field instead, with the input kept (422)."""

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.field_flags = {}  # set per instance by DataRequired


def place_refusal(form, refusal) -> str | None:
    """Put a refusal's message (portal.errors.Refused) on the field of `form` it names, so the
    template shows it there with what was typed. Returns the message when no field takes it,
    to show above the form; None also when the form's own validators already marked fields."""
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is not None and hasattr(field, "errors"):
        if not field.errors:  # else its validator said it already
            field.errors = [refusal.message]
        return None
    if refusal.status == 422 and form.errors:
        return None  # "please fill in …": each field says what it lacks
    return refusal.message
