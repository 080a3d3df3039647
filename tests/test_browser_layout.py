"""Every page at phone (390 px) and desktop (1366 px) width, as an agency editor, a reviewer,
an assessor, an admin and a visitor see it, with realistic data: the page never scrolls
sideways, no element sticks out of the viewport unless it sits in its own horizontal
scroller, Thai is never broken with `word-break: break-all`, and on the phone every control
is big enough to tap. Each page is checked as it loads and again with all its <details>
opened (forms); with them open axe-core (pinned in tests/js, installed by `make test-deps`)
checks it too, and any critical or serious accessibility violation fails the test.
LAYOUT_SCREENSHOTS=1 also saves a full-page screenshot of each to tests/_artifacts/layout/."""
import functools
import os
from pathlib import Path

import pytest

from tests.browser import sign_in
from tests.layout_world import PASSWORDS, SEARCH_WORD, make_layout_world

pytestmark = pytest.mark.browser
WIDTHS = (390, 1366)
PHONE = 390
MIN_TARGET = 32  # px, the smallest tap target we accept on a phone
AXE = Path(__file__).parent / "js" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")


def edit_first_metric(page):
    page.locator("tr.metric-row").first.get_by_role("button", name="แก้ไข").click()
    page.locator("tr.editing").wait_for()


def edit_first_agency(page):
    page.locator("tbody tr").first.get_by_role("button", name="แก้ไข").click()
    page.locator("tr.editing").wait_for()


def list_picker_choices(page):
    panel = page.locator("article.item").first
    panel.locator("summary", has_text="เพิ่มหลักฐาน").click()
    panel.locator("input[type=search]").focus()
    panel.locator(".picker-list, .picker-box p.muted").first.wait_for()


COMMON = [
    ("home", "/", None),
    ("dashboard", "/agencies/{dept}", None),
    ("workspace-1.1", "/agencies/{dept}/criteria/1/1.1", None),
    ("search", f"/search/?q={SEARCH_WORD}", None),
]
ROUNDS = {
    "editor": COMMON + [
        ("agencies", "/agencies/", None),
        ("workspace-picker", "/agencies/{dept}/criteria/1/1.1", list_picker_choices),
        ("workspace-2.1", "/agencies/{dept}/criteria/2/2.1", None),
        ("evidence-file", "/evidence/{plan}", None),
        ("evidence-link", "/evidence/{link}", None),
        ("results", "/agencies/{dept}/results", None),
        ("results-editing", "/agencies/{dept}/results", edit_first_metric),
        ("agency-inbox", "/agencies/{dept}/inbox", None),
        ("trash", "/agencies/{dept}/trash", None),
        ("submission", "/agencies/{dept}/submission", None),
        ("submission-1", "/agencies/{dept}/submissions/{submission}", None),
        ("feedback", "/agencies/{dept}/feedback", None),
        ("improvement-plan", "/agencies/{dept}/improvement-plan", None),
        ("good-practices", "/good-practices", None),
        ("good-practice", "/good-practices/{practice}", None),
        ("thread", "/threads/{thread}", None),
        ("report", "/agencies/{dept}/report", None),
        ("criteria", "/criteria/", None),
        ("criteria-1", "/criteria/1", None),
        ("criteria-1.1", "/criteria/1/1.1", None),
        ("criteria-7", "/criteria/7", None),
    ],
    "reviewer": COMMON + [
        ("inbox", "/reviews/inbox", None),
        ("results", "/agencies/{dept}/results", None),
        ("thread", "/threads/{thread}", None),
    ],
    "assessor": [
        ("home", "/", None),
        ("assessment", "/assessment/", None),
        ("assessment-workspace", "/assessment/agencies/{prov}", None),
        ("judge-1.1", "/assessment/agencies/{prov}/judge/1.1", None),
        ("judge-7", "/assessment/agencies/{prov}/judge/7", None),
        ("consensus", "/assessment/agencies/{prov}/consensus", None),
        ("consensus-1.1", "/assessment/agencies/{prov}/consensus/1.1", None),
        ("judge-1.1-done", "/assessment/agencies/{dept}/judge/1.1", None),
        ("feedback-lead", "/agencies/{dept}/feedback", None),
    ],
    "admin": COMMON + [
        ("overview", "/overview", None),
        ("item-across-agencies", "/overview/items/{item}", None),
        ("dashboard-long-name", "/agencies/{long_agency}", None),
        ("admin-users", "/admin/users", None),
        ("admin-user", "/admin/users/{editor}", None),
        ("admin-agencies", "/admin/agencies", None),
        ("admin-agencies-editing", "/admin/agencies", edit_first_agency),
        ("admin-cycles", "/admin/cycles", None),
        ("admin-assessment-teams", "/admin/assessment-teams", None),
        ("assessment-overview", "/assessment/overview", None),
        ("admin-import", "/admin/import", None),
        ("admin-audit", "/admin/audit", None),
        ("criteria-1.1", "/criteria/1/1.1", None),
        ("not-found", "/agencies/999999", None),
    ],
    "visitor": [
        ("login", "/auth/login", None),
        ("not-found", "/no-such-page", None),
    ],
}

# Outermost elements past the viewport's edges (not inside a box that scrolls or clips),
# computed styles that break Thai anywhere, and (phone) controls smaller than a fingertip.
MEASURE = """(minTarget) => {
  const vw = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.classList.length ? '.' + [...el.classList].join('.') : '')
    + ' "' + (el.innerText || el.value || '').trim().slice(0, 40).replace(/\\s+/g, ' ') + '"';
  // A box that scrolls or clips its overflow contains it; that box itself is checked too.
  const contained = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  // checkVisibility: false inside a closed <details> too (its content is laid out, not shown)
  const visible = (el, r) => (r.width || r.height) && el.checkVisibility({visibilityProperty: true});
  const sticking = new Set(), breakAll = [], small = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!visible(el, r) || r.right <= 0) continue;  // r.right <= 0: parked off-screen (skip link)
    if ((r.right > vw + 1 || r.left < -1) && !contained(el)) sticking.add(el);
    if (getComputedStyle(el).wordBreak === 'break-all') breakAll.push(name(el));
  }
  const outermost = [...sticking].filter(el => !sticking.has(el.parentElement))
    .map(el => `${name(el)} [${Math.round(el.getBoundingClientRect().left)}..${Math.round(el.getBoundingClientRect().right)}]`);
  if (minTarget) {
    const controls = 'button, .button, select, textarea, summary, .main-nav a, .chip, .admin-tabs a, '
      + '.pagination a, .toc a, .facets a, input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])';
    for (const el of document.querySelectorAll(controls)) {
      const r = el.getBoundingClientRect();
      if (visible(el, r) && !el.closest('.visually-hidden') && (r.height < minTarget - 0.5 || r.width < minTarget - 0.5))
        small.push(`${name(el)} ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, viewport: vw, sticking: outermost, breakAll, small};
}"""


def layout_problems(page, label: str, width: int) -> list[str]:
    found = page.evaluate(MEASURE, MIN_TARGET if width == PHONE else 0)
    problems = []
    if found["scrollWidth"] > found["viewport"]:
        problems.append(f"{label}: the page is {found['scrollWidth']} px wide in a {found['viewport']} px viewport")
    problems += [f"{label}: sticks out of the viewport: {e}" for e in found["sticking"][:6]]
    problems += [f"{label}: word-break: break-all on {e}" for e in found["breakAll"][:3]]
    problems += [f"{label}: tap target under {MIN_TARGET} px: {e}" for e in found["small"][:6]]
    return problems


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def accessibility_problems(page, label: str) -> list[str]:
    """axe-core's critical and serious violations on the page as it is now: rule, help text
    and the first few offending elements (CSS selectors)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test-deps` (npm ci --prefix tests/js)")
    # Evaluated through the devtools protocol rather than page.add_script_tag: the portal's
    # Content-Security-Policy (rightly) refuses an inline <script>, and bypassing the policy
    # for the whole context would let the sweep pass pages the policy breaks.
    page.evaluate(_axe_source())
    violations = page.evaluate("""async (blocking) => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => blocking.includes(v.impact)).map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(' ')).slice(0, 4), count: v.nodes.length}));
    }""", list(BLOCKING))
    return [f"{label}: axe {v['impact']} {v['id']} ({v['help']}) on {v['count']}: {' | '.join(v['targets'])}"
            for v in violations]


def test_every_page_fits_the_phone_and_the_desktop(app, live_server, browser, artifacts_dir):
    world = make_layout_world(app)
    shots = artifacts_dir / "layout"
    save = os.environ.get("LAYOUT_SCREENSHOTS") == "1"
    if save:
        shots.mkdir(exist_ok=True)
    problems = []
    for width in WIDTHS:
        context = browser.new_context(locale="th-TH", viewport={"width": width, "height": 844})
        page = context.new_page()
        for role, pages in ROUNDS.items():
            context.clear_cookies()
            if role != "visitor":
                sign_in(page, live_server.url, role, PASSWORDS[role])
            for name, path, action in pages:
                response = page.goto(live_server.url + path.format(**world))
                expected = 404 if name == "not-found" else 200
                assert response.status == expected, f"{width}px {role} {name}: HTTP {response.status}"
                if action:
                    action(page)
                label = f"{width}px {role} {name}"
                problems += layout_problems(page, label, width)
                if save:
                    page.screenshot(path=str(shots / f"{width}-{role}-{name}.png"), full_page=True)
                page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
                problems += layout_problems(page, label + " (details open)", width)
                problems += accessibility_problems(page, label)
                if save:
                    page.screenshot(path=str(shots / f"{width}-{role}-{name}-open.png"), full_page=True)
        context.close()
    assert not problems, "\n".join(problems)
