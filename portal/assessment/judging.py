"""What the team judges and how a judgement is saved: the scopes of one agency's assessment
(each sub-item of categories 1–6, each category, and category 7 as a category), what a
finding may cite in each scope (the snapshot's checklist items, questions and evidence),
each member's judgement and the lead's consensus. Loading is per agency and cycle in one
query, never per row."""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, versions
from portal.errors import Refused
from portal.extensions import db
from portal.models import Agency, AssessmentAssignment, AssessmentCycle, Category, User
from portal.models.assessment import FINDING_KINDS, FINDING_LABELS, JUDGED_LEVELS, AssessmentState, Finding, Judgement
from portal.models.user import utcnow
from portal.reports.content import ReportContent
from portal.templating import REACHED_LABELS
from portal.text import clean_text

MAX_FINDING = 4000
MAX_NOTE = 8000
MAX_FINDINGS = 60
CONSENSUS_DONE = ("ทีมยืนยันฉันทามติแล้ว ผลการประเมินจึงแก้ไขไม่ได้ "
                  "หากต้องแก้ไข หัวหน้าทีมต้องเปิดแก้ไขฉันทามติก่อน สิ่งที่ท่านพิมพ์ยังไม่ได้บันทึก")
REF_TYPES = {"item": "รายการตรวจสอบ", "question": "คำถาม", "evidence": "หลักฐาน"}


@dataclass(frozen=True)
class Scope:
    code: str
    kind: str  # "sub_item" | "category"
    title: str
    category: str  # the category's code

    @property
    def label(self) -> str:
        return f"หัวข้อ {self.code}" if self.kind == "sub_item" else f"หมวด {self.code}"


def scopes(edition: str) -> list[Scope]:
    """In reading order: a category's sub-items, then the category; category 7 (results)
    is judged as a category only."""
    found = []
    for category in db.session.scalars(select(Category).where(Category.version == edition)
                                       .order_by(Category.position).options(selectinload(Category.sub_items),
                                                                            selectinload(Category.dimensions))):
        if not category.is_results:
            found += [Scope(s.code, "sub_item", s.title, category.code) for s in category.sub_items]
        found.append(Scope(category.code, "category", category.title, category.code))
    return found


def scope_or_404(edition: str, code: str) -> Scope:
    from flask import abort

    scope = next((s for s in scopes(edition) if s.code == code), None)
    if scope is None:
        abort(404, description="ไม่พบหัวข้อหรือหมวดนี้ในเกณฑ์ของรอบการประเมิน")
    return scope


@dataclass
class Refs:
    """What a finding of one scope may cite: key "type:ref" → Thai label."""
    choices: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, ref, label: str) -> None:
        self.choices.setdefault(f"{kind}:{ref}", f"{REF_TYPES[kind]} {label}")


def refs_of(scope: Scope, content: ReportContent, frozen: dict) -> Refs:
    refs = Refs()
    titles = {e["id"]: e["title"] for e in frozen["evidence"]}
    if scope.kind == "category" and scope.code not in {c.code for c in content.categories}:
        for metric in frozen["results"]:  # category 7: the evidence its metrics link
            for evidence_id in metric["evidence_ids"]:
                if evidence_id in titles:
                    refs.add("evidence", evidence_id, f"“{titles[evidence_id]}” ({metric['name']})")
        return refs
    for category in content.categories:
        for sub in category.sub_items:
            if (scope.kind == "sub_item" and sub.code != scope.code) or \
                    (scope.kind == "category" and category.code != scope.code):
                continue
            for question in sub.questions:
                refs.add("question", question.code, f"{question.code} {question.text[:80]}")
            evidence = []
            for _title, items in sub.levels:
                for item in items:
                    refs.add("item", f"{sub.code}-{item.code}", f"{sub.code}-{item.code} {item.text[:80]}")
                    evidence += [(e.id, e.title) for e in item.evidence]
            evidence += [(c.evidence_id, titles.get(c.evidence_id, "")) for q in sub.questions for c in q.citations]
            for evidence_id, title in evidence:
                if evidence_id in titles:
                    refs.add("evidence", evidence_id, f"“{title}”")
    return refs


def ref_label(refs: Refs, ref: dict) -> str:
    return refs.choices.get(f"{ref['type']}:{ref['ref']}", f"{REF_TYPES.get(ref['type'], ref['type'])} {ref['ref']}")


def team(agency_id: int, cycle_id: int) -> list[AssessmentAssignment]:
    """The lead first, then the members by name."""
    rows = list(db.session.scalars(
        select(AssessmentAssignment).where(AssessmentAssignment.agency_id == agency_id,
                                           AssessmentAssignment.cycle_id == cycle_id)
        .options(selectinload(AssessmentAssignment.assessor))))
    return sorted(rows, key=lambda a: (not a.is_lead, a.assessor.display_name, a.assessor_id))


def judgements(agency_id: int, cycle_id: int, assessor_id: int | None = None, *,
               everyone: bool = False) -> dict:
    """One query: code → the member's judgement (or the consensus, assessor_id None); with
    `everyone`, (code, assessor_id) → judgement for the whole team and the consensus."""
    statement = (select(Judgement).where(Judgement.agency_id == agency_id, Judgement.cycle_id == cycle_id)
                 .options(selectinload(Judgement.findings)))
    if everyone:
        return {(j.code, j.assessor_id): j for j in db.session.scalars(statement)}
    column = Judgement.assessor_id
    statement = statement.where(column.is_(None) if assessor_id is None else column == assessor_id)
    return {j.code: j for j in db.session.scalars(statement)}


def state_of(agency_id: int, cycle_id: int) -> AssessmentState | None:
    return db.session.scalar(select(AssessmentState).where(AssessmentState.agency_id == agency_id,
                                                           AssessmentState.cycle_id == cycle_id))


def consensus_done(agency_id: int, cycle_id: int) -> bool:
    state = state_of(agency_id, cycle_id)
    return state is not None and state.consensus_done_at is not None


@dataclass
class TypedFinding:
    """One row of the findings editor as sent: an existing finding (id) or a new one."""
    id: int | None
    kind: str
    text: str
    refs: list[str]
    n: int = 0  # the row's number in the form sent (its fields' names)


def typed_findings(form) -> list[TypedFinding]:
    """Rows "f-<n>-kind/-id/-text/-refs" in the order sent; a new row without text is no finding."""
    rows = []
    numbers = sorted({int(key.split("-")[1]) for key in form if key.startswith("f-") and key.split("-")[1].isdigit()
                      and len(key.split("-")[1]) < 4})
    for n in numbers:
        raw_id = (form.get(f"f-{n}-id") or "").strip()
        rows.append(TypedFinding(int(raw_id) if raw_id.isdigit() and len(raw_id) < 10 else None,
                                 form.get(f"f-{n}-kind", ""), form.get(f"f-{n}-text", ""),
                                 form.getlist(f"f-{n}-refs"), n))
    return rows


def _level(level: str) -> str | None:
    if level == "":
        return None
    if level not in JUDGED_LEVELS:
        raise Refused(422, "กรุณาเลือกระดับจากรายการ", field="level")
    return level


def _refs(row: TypedFinding, refs: Refs, n: int) -> list[dict]:
    found = []
    for key in row.refs:
        if key not in refs.choices:
            raise Refused(422, f"{FINDING_LABELS.get(row.kind, 'ข้อค้นพบ')}ข้อที่ {n} อ้างถึง “{key}” ซึ่งไม่อยู่ในรายงานที่ส่ง"
                               " กรุณาเลือกรายการตรวจสอบ คำถาม หรือหลักฐานของหัวข้อนี้",
                          field=f"finding-{row.n}")
        kind, ref = key.split(":", 1)
        value = int(ref) if kind == "evidence" else ref
        if {"type": kind, "ref": value} not in found:
            found.append({"type": kind, "ref": value})
    return found


def _conflict(judgement: Judgement | None, what: str, user: User):
    if judgement is None:
        return None  # nobody saved anything this save could overwrite
    db.session.refresh(judgement)
    return versions.conflict(what, [("ระดับ", REACHED_LABELS.get(judgement.level, "(ยังไม่ได้ให้ระดับ)"))],
                             versions.changed_by(judgement.updated_at, db.session.get(User, judgement.updated_by_id)
                                                 if judgement.updated_by_id else None), user)


def _apply_findings(judgement: Judgement, rows: list[TypedFinding], refs: Refs) -> bool:
    """Update findings in place (their ids stay: the consensus points at them), add new
    ones, drop those no longer sent. True when anything changed."""
    existing = {f.id: f for f in judgement.findings}
    kept, changed, positions = set(), False, {kind: 0 for kind in FINDING_KINDS}
    wanted = []
    for n, row in enumerate(rows, start=1):
        if row.kind not in FINDING_KINDS:
            raise Refused(422, "ประเภทข้อค้นพบไม่ถูกต้อง")
        text = clean_text(row.text, f"{FINDING_LABELS[row.kind]}ข้อที่ {n}", limit=MAX_FINDING, required=False,
                          field=f"finding-{row.n}")
        if not text and row.id is None:
            continue  # the empty row the editor always offers
        if not text:
            raise Refused(422, f"กรุณาพิมพ์{FINDING_LABELS[row.kind]}ข้อที่ {n} หรือกดลบข้อนี้", field=f"finding-{row.n}")
        wanted.append((row, text, _refs(row, refs, n)))
    if len(wanted) > MAX_FINDINGS:
        raise Refused(422, f"บันทึกข้อค้นพบได้ไม่เกิน {MAX_FINDINGS} ข้อต่อหัวข้อ")
    for row, text, cited in wanted:
        position = positions[row.kind]
        positions[row.kind] += 1
        finding = existing.get(row.id) if row.id is not None else None
        if row.id is not None and finding is None:
            raise Refused(409, "ข้อค้นพบนี้ถูกลบไปแล้วจากหน้าต่างอื่น กรุณาโหลดหน้าใหม่ สิ่งที่ท่านพิมพ์ยังไม่ได้บันทึก")
        if finding is None:
            judgement.findings.append(Finding(kind=row.kind, text=text, refs=cited, position=position))
            changed = True
            continue
        kept.add(finding.id)
        if (finding.kind, finding.text, finding.refs, finding.position) != (row.kind, text, cited, position):
            finding.kind, finding.text, finding.refs, finding.position = row.kind, text, cited, position
            changed = True
    for finding in list(judgement.findings):
        if finding.id is not None and finding.id not in kept:
            judgement.findings.remove(finding)
            changed = True
    return changed


def save(agency: Agency, cycle: AssessmentCycle, scope: Scope, user: User, *, consensus: bool,
         level: str, rows: list[TypedFinding], note: str | None, refs: Refs, version: int | None) -> Judgement | None:
    """A member's own judgement, or (consensus) the team's, written by the lead. While the
    consensus is done, nothing of the team's judging changes (409)."""
    if consensus_done(agency.id, cycle.id):
        raise Refused(409, CONSENSUS_DONE)
    chosen = _level(level)
    note = clean_text(note, "บันทึกส่วนตัว", limit=MAX_NOTE, required=False, field="note") if note is not None else None
    owner = None if consensus else user.id
    judgement = judgements(agency.id, cycle.id, owner).get(scope.code) if owner is not None else \
        judgements(agency.id, cycle.id).get(scope.code)
    what = f"ฉันทามติของ{scope.label}" if consensus else f"ผลการประเมิน{scope.label}ของท่าน"
    versions.check(judgement, version, lambda: _conflict(judgement, what, user))
    created = judgement is None
    if created:
        if chosen is None and not any(r.text.strip() for r in rows) and not (note or "").strip():
            return None  # nothing typed yet: no empty judgement
        judgement = Judgement(cycle_id=cycle.id, agency_id=agency.id, scope=scope.kind, code=scope.code,
                              assessor_id=owner, private_note="")
        db.session.add(judgement)
    before = judgement.level
    with versions.saving(lambda: _conflict(judgement, what, user)):
        changed = _apply_findings(judgement, rows, refs)
        note_changed = note is not None and note != judgement.private_note
        if note_changed:
            judgement.private_note = note
        if chosen != judgement.level:
            judgement.level = chosen
            changed = True
        if not (created or changed or note_changed):
            return judgement  # an autosave of what is already saved
        judgement.updated_by_id, judgement.updated_at = user.id, utcnow()
    # The private note's text never reaches the audit trail (the agency's staff read nothing
    # of it, and neither does anyone reading the log): only that it changed.
    audit.record("consensus_saved" if consensus else "judgement_saved", actor=user, object_type="judgement",
                 object_id=judgement.id, agency_id=agency.id, code=scope.code, before=before, after=chosen,
                 findings=len(judgement.findings), **({"note_changed": True} if note_changed else {}))
    return judgement


def take(agency: Agency, cycle: AssessmentCycle, scope: Scope, user: User, finding_ids: list[int],
         version: int | None) -> Judgement:
    """Into the consensus: one member's finding as it is, or several merged into one (texts
    joined, citations united); the consensus finding remembers the first it came from."""
    if consensus_done(agency.id, cycle.id):
        raise Refused(409, CONSENSUS_DONE)
    everyone = judgements(agency.id, cycle.id, everyone=True)
    members = {a.assessor_id for a in team(agency.id, cycle.id)}
    sources = {f.id: f for (code, assessor_id), j in everyone.items()
               if code == scope.code and assessor_id in members for f in j.findings}
    chosen = [sources[i] for i in dict.fromkeys(finding_ids) if i in sources]
    if not chosen or len(chosen) != len(set(finding_ids)):
        raise Refused(422, "กรุณาเลือกข้อค้นพบของผู้ประเมินในหัวข้อนี้อย่างน้อยหนึ่งข้อ")
    if len({f.kind for f in chosen}) > 1:
        raise Refused(422, "รวมได้เฉพาะข้อค้นพบประเภทเดียวกัน (จุดแข็งกับจุดแข็ง หรือโอกาสในการปรับปรุงกับโอกาสในการปรับปรุง)")
    judgement = everyone.get((scope.code, None))
    what = f"ฉันทามติของ{scope.label}"
    versions.check(judgement, version, lambda: _conflict(judgement, what, user))
    if judgement is None:
        judgement = Judgement(cycle_id=cycle.id, agency_id=agency.id, scope=scope.kind, code=scope.code,
                              assessor_id=None, private_note="")
        db.session.add(judgement)
    refs = []
    for finding in chosen:
        refs += [r for r in finding.refs if r not in refs]
    text = "\n".join(f.text for f in chosen)
    position = sum(f.kind == chosen[0].kind for f in judgement.findings)
    with versions.saving(lambda: _conflict(judgement, what, user)):
        judgement.findings.append(Finding(kind=chosen[0].kind, text=text[:MAX_FINDING], refs=refs,
                                          position=position, source_finding_id=chosen[0].id))
        judgement.updated_by_id, judgement.updated_at = user.id, utcnow()
    audit.record("consensus_finding_taken", actor=user, object_type="judgement", object_id=judgement.id,
                 agency_id=agency.id, code=scope.code, kind=chosen[0].kind, from_findings=[f.id for f in chosen])
    return judgement


def _state(agency: Agency, cycle: AssessmentCycle) -> AssessmentState:
    state = state_of(agency.id, cycle.id)
    if state is None:
        state = AssessmentState(cycle_id=cycle.id, agency_id=agency.id)
        db.session.add(state)
    return state


def mark_done(agency: Agency, cycle: AssessmentCycle, user: User, edition: str) -> AssessmentState:
    state = _state(agency, cycle)
    if state.consensus_done_at is not None:
        raise Refused(409, "ทีมยืนยันฉันทามติไว้แล้ว")
    agreed = judgements(agency.id, cycle.id)
    missing = [s.code for s in scopes(edition) if agreed.get(s.code) is None or agreed[s.code].level is None]
    if missing:
        raise Refused(422, "ยืนยันฉันทามติไม่ได้: ยังไม่ได้กำหนดระดับฉันทามติของ " + ", ".join(missing))
    state.consensus_done_at, state.consensus_done_by_id = utcnow(), user.id
    db.session.flush()
    audit.record("consensus_done", actor=user, object_type="assessment_state", object_id=state.id,
                 agency_id=agency.id, cycle=cycle.fiscal_year,
                 levels={code: j.level for code, j in agreed.items()})
    return state


def reopen(agency: Agency, cycle: AssessmentCycle, user: User) -> AssessmentState:
    state = state_of(agency.id, cycle.id)
    if state is None or state.consensus_done_at is None:
        raise Refused(409, "ฉันทามติยังไม่ได้ยืนยัน จึงไม่มีสิ่งที่ต้องเปิดแก้ไข")
    if state.published_at is not None:
        raise Refused(409, "เผยแพร่ผลการประเมินให้ส่วนราชการแล้ว จึงเปิดแก้ไขฉันทามติไม่ได้")
    state.consensus_done_at, state.consensus_done_by_id = None, None
    audit.record("consensus_reopened", actor=user, object_type="assessment_state", object_id=state.id,
                 agency_id=agency.id, cycle=cycle.fiscal_year)
    return state
