"""One view, one template: htmx requests get the named block, other requests the page."""
from flask import make_response, render_template
from jinja2_fragments.flask import render_block

from portal.extensions import htmx


def wants_fragment() -> bool:
    """A fragment only for a plain htmx swap: boosted links and history restores
    replace the whole body, so they need the full page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str, status: int = 200, **context):
    if wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    # Caches must not serve a fragment to a full-page request or the other way round.
    response.vary.add("HX-Request")
    return response
