"""The one way a page action answers (DESIGN "Shape of the code"). A view hands act() the
change to make and how to show its outcome; act() commits and answers:

- done: an htmx request gets the changed fragment with the message, plus `HX-Trigger` when
  other parts of the page listen for the change; a plain form post goes back to the page
  (`back`) with the message flashed, or gets the page itself when there is no `back`;
- refused (portal.errors.Refused): the transaction is rolled back; a refusal of what the
  user sent (413, 415, 422), or of a save made on a version of the record someone else has
  changed since (409, portal/versions.py), shows the form again with the message and the
  typed input (`form`) — on 409 next to the other person's values and with the new
  version, so saving again is a choice made in sight of them; anything else (403, 404,
  507 …) reaches the page's message area like every other error (portal.main.errors).

`show` and `form` render with portal.fragments.render: the fragment for htmx, the whole
template otherwise. Say `full_page=True` when a plain post gets a page from `form`, so it
sees the form again too: item panels, answer cards and review boxes answer plain posts with
their workspace page around them (portal/evidence/panels.workspace_page); without it a
plain post's refusal gets the error page.
"""
from collections.abc import Callable
from typing import Any

from flask import flash, make_response, redirect

from portal import audit
from portal.errors import Refused
from portal.extensions import db
from portal.fragments import wants_fragment

FORM_REFUSALS = (409, 413, 415, 422)


def act(change: Callable[[], Any], message: str | Callable[[Any], str], *,
        show: Callable[[str, Any], Any], back: str | Callable[[Any], str] | None = None,
        form: Callable[[Refused], Any] | None = None, full_page: bool = False,
        trigger: str | None = None):
    """Run `change()` and commit; answer with `show(message, result)` or by `form(refusal)`."""
    try:
        result = change()
        db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        audit.note_refusal_reason(refusal.message)  # a refused upload is audited with it
        if form is not None and refusal.status in FORM_REFUSALS and (full_page or wants_fragment()):
            return form(refusal)
        raise
    text = message(result) if callable(message) else message
    if back is not None and not wants_fragment():
        flash(text, "success")
        return redirect(back(result) if callable(back) else back)
    response = make_response(show(text, result))
    if trigger:
        response.headers["HX-Trigger"] = trigger
    return response
