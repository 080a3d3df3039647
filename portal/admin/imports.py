"""Bulk import of agencies and accounts from a CSV or XLSX file, with a dry run.

Reading and planning are pure (no writes): `read_table` turns the file's bytes into rows
keyed by column, `plan_agencies` / `plan_users` say per row what would happen or what is
wrong, given what the database holds now. `apply` then makes the changes through
portal.admin.operations, so each row is validated and audited like the admin's own forms;
the caller commits once, so a file is imported whole or not at all.

The confirm step imports the very bytes the preview showed: they wait in the instance
folder under a random token (`stash` / `unstash`), the page carries the token and their
SHA-256, and confirming re-reads and re-plans them against the database as it is then.
"""
import csv
import hashlib
import io
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from portal.admin import operations as ops
from portal.errors import Refused
from portal.models import AGENCY_KINDS, AGENCY_SCOPED_ROLES, ROLES, UNIT_TYPES

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
STASH_SECONDS = 3600  # an unconfirmed preview's file is swept after this
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KINDS = ("agencies", "users")
KIND_LABELS = {"agencies": "ส่วนราชการ", "users": "บัญชีผู้ใช้"}

# kind → column key → (Thai header, required); English headers are the keys themselves.
COLUMNS = {
    "agencies": {"code": ("รหัส", True), "name": ("ชื่อ", True), "kind": ("ประเภท", True),
                 "unit_type": ("ประเภทหน่วยงาน", True)},
    "users": {"username": ("ชื่อผู้ใช้", True), "display_name": ("ชื่อที่แสดง", True),
              "email": ("อีเมล", False), "role": ("บทบาท", True), "agency_code": ("รหัสส่วนราชการ", False),
              "password": ("รหัสผ่านเริ่มต้น", False)},
}
EXAMPLES = {
    "agencies": ["DEPT-X", "กรมตัวอย่าง", "กรม", "หน่วยบริการ"],
    "users": ["somchai.j", "สมชาย ใจดี", "somchai@agency.go.th", ROLES["agency_editor"], "DEPT-X", ""],
}
HEADER_ALIASES = {"initial_password": "password", "รหัสผ่าน": "password"}

WRONG_TYPE = "รับเฉพาะไฟล์ CSV (UTF-8) หรือ Excel (.xlsx) เท่านั้น"
NOT_XLSX = "ไฟล์นี้ไม่ใช่ไฟล์ Excel (.xlsx) ที่อ่านได้ กรุณาบันทึกจาก Excel เป็น .xlsx หรือ CSV UTF-8"
NOT_CSV = "ไฟล์นี้ไม่ใช่ไฟล์ข้อความ CSV แบบ UTF-8 กรุณาบันทึกจาก Excel แบบ “CSV UTF-8 (Comma delimited)”"


@dataclass
class Row:
    number: int  # the row in the file, counting the header as row 1, as Excel numbers it
    values: dict[str, str]
    action: str = ""  # create | update | unchanged | grant | exists
    note: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column's Thai header, message)

    def error(self, column: str, message: str) -> None:
        self.errors.append((column, message))


@dataclass
class Plan:
    kind: str
    rows: list[Row]

    @property
    def errors(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.errors)


def header_key(kind: str, text: str) -> str | None:
    text = re.sub(r"\s+", " ", (text or "").replace("\ufeff", "")).strip()
    lowered = HEADER_ALIASES.get(text.lower(), text.lower())
    for key, (thai, _required) in COLUMNS[kind].items():
        if lowered == key or text == thai:
            return key
    return HEADER_ALIASES.get(text)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number in Excel
    return str(value).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:4096] or data.startswith(b"%PDF"):
        raise Refused(415, NOT_CSV)
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError:
        raise Refused(415, NOT_CSV) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    import openpyxl  # only the import page needs it

    if not data.startswith(b"PK\x03\x04"):
        raise Refused(415, NOT_XLSX)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise Refused(415, NOT_XLSX) from None
    except Exception:  # openpyxl's own errors for a zip that is not a workbook
        raise Refused(415, NOT_XLSX) from None
    try:
        rows = []
        for values in book.worksheets[0].iter_rows(values_only=True):
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def read_table(kind: str, filename: str, data: bytes) -> list[Row]:
    """The file's data rows (blank rows left out), each keyed by column. Refused: 413 too
    large, 415 not a CSV/XLSX, 422 no rows, too many rows or a required column missing."""
    if len(data) > MAX_BYTES:
        raise Refused(413, f"ไฟล์ใหญ่เกิน {MAX_BYTES // (1024 * 1024)} MB กรุณาแบ่งเป็นหลายไฟล์")
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(data)
    elif suffix == ".xlsx":
        table = _xlsx_rows(data)
    else:
        raise Refused(415, WRONG_TYPE)
    while table and not any(table[0]):
        table.pop(0)
    if not table:
        raise Refused(422, "ไฟล์ว่าง ไม่มีหัวตาราง")
    keys = [header_key(kind, h) for h in table[0]]
    missing = [thai for key, (thai, required) in COLUMNS[kind].items() if required and key not in keys]
    if missing:
        raise Refused(422, "ไม่พบคอลัมน์ " + ", ".join(missing) + " ในแถวหัวตาราง (แถวที่ 1) "
                           "กรุณาใช้ไฟล์ตัวอย่างจากหน้านี้")
    rows = []
    for offset, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        values = {key: "" for key in COLUMNS[kind]}
        for key, cell in zip(keys, cells):
            if key:
                values[key] = cell
        rows.append(Row(offset, values))
    if not rows:
        raise Refused(422, "ไฟล์ไม่มีข้อมูล มีแต่หัวตาราง")
    if len(rows) > MAX_ROWS:
        raise Refused(422, f"ไฟล์มีข้อมูลเกิน {MAX_ROWS:,} แถว กรุณาแบ่งเป็นหลายไฟล์")
    return rows


def _choice(text: str, vocabulary: dict[str, str]) -> str | None:
    """A vocabulary key from its key or its Thai label."""
    text = text.strip()
    if text.lower() in vocabulary:
        return text.lower()
    return next((key for key, label in vocabulary.items() if label == text), None)


def _refusal(row: Row, column: str, check) -> None:
    try:
        check()
    except Refused as refusal:
        row.error(column, refusal.message)


def plan_agencies(rows: list[Row], existing: dict) -> Plan:
    """`existing`: code → the agency in the database (anything with name, kind, unit_type)."""
    heads = {k: v[0] for k, v in COLUMNS["agencies"].items()}
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        code = v["code"].strip().upper()
        v["code"] = code
        kind = _choice(v["kind"], AGENCY_KINDS)
        unit_type = _choice(v["unit_type"], UNIT_TYPES)
        if not code:
            row.error(heads["code"], "กรุณากรอกรหัสส่วนราชการ")
        elif not ops.AGENCY_CODE_PATTERN.match(code):
            row.error(heads["code"], "รหัสส่วนราชการต้องเป็นตัวอักษรอังกฤษพิมพ์ใหญ่ ตัวเลข _ - ยาว 2–32 ตัว")
        elif code in seen:
            row.error(heads["code"], f"รหัส {code} ซ้ำกับแถวที่ {seen[code]} ในไฟล์นี้")
        else:
            seen[code] = row.number
        name = v["name"].strip()
        if not name or len(name) > 300:
            row.error(heads["name"], "กรุณากรอกชื่อส่วนราชการ (ไม่เกิน 300 ตัวอักษร)")
        if kind is None:
            row.error(heads["kind"], f"ไม่รู้จักประเภท “{v['kind'][:40]}” ต้องเป็น กรม จังหวัด หรือ องค์การมหาชน")
        if unit_type is None:
            row.error(heads["unit_type"],
                      f"ไม่รู้จักประเภทหน่วยงาน “{v['unit_type'][:40]}” ต้องเป็น หน่วยบริการ หรือ หน่วยนโยบาย")
        if row.errors:
            continue
        v.update(name=name, kind=kind, unit_type=unit_type)
        agency = existing.get(code)
        if agency is None:
            row.action, row.note = "create", "สร้างใหม่"
            continue
        changed = [f"{label}: {old} → {new}" for label, old, new in (
            ("ชื่อ", agency.name, name),
            ("ประเภท", AGENCY_KINDS.get(agency.kind, agency.kind), AGENCY_KINDS[kind]),
            ("ประเภทหน่วยงาน", UNIT_TYPES.get(agency.unit_type, agency.unit_type), UNIT_TYPES[unit_type]),
        ) if old != new]
        if changed:
            row.action, row.note = "update", "มีอยู่แล้ว จะแก้ไข " + "; ".join(changed)
        else:
            row.action, row.note = "unchanged", "มีอยู่แล้ว ไม่เปลี่ยน"
    return Plan("agencies", rows)


def plan_users(rows: list[Row], existing: dict, agency_codes: set[str]) -> Plan:
    """`existing`: username (lower case) → a set of (role, agency code or None) it holds;
    `agency_codes`: the codes in the database (a user's agency must be there already)."""
    heads = {k: v[0] for k, v in COLUMNS["users"].items()}
    seen: dict[str, int] = {}
    for row in rows:
        v = row.values
        username = v["username"].strip().lower()
        v["username"] = username
        role = _choice(v["role"], ROLES)
        code = v["agency_code"].strip().upper()
        v["agency_code"] = code
        if not username:
            row.error(heads["username"], "กรุณากรอกชื่อผู้ใช้")
        elif not ops.USERNAME_PATTERN.match(username):
            row.error(heads["username"], "ชื่อผู้ใช้ต้องเป็นตัวอักษรอังกฤษพิมพ์เล็ก ตัวเลข . _ - ยาว 2–64 ตัว")
        elif username in seen:
            row.error(heads["username"], f"ชื่อผู้ใช้ {username} ซ้ำกับแถวที่ {seen[username]} ในไฟล์นี้")
        else:
            seen[username] = row.number
        if role is None:
            row.error(heads["role"], f"ไม่รู้จักบทบาท “{v['role'][:60]}” ต้องเป็นหนึ่งใน: " + ", ".join(ROLES.values()))
        elif role in AGENCY_SCOPED_ROLES and not code:
            row.error(heads["agency_code"], f"บทบาท {ROLES[role]} ต้องระบุรหัสส่วนราชการ")
        elif role in AGENCY_SCOPED_ROLES and code not in agency_codes:
            row.error(heads["agency_code"], f"ไม่พบส่วนราชการรหัส {code} ในระบบ (นำเข้าส่วนราชการก่อน)")
        if role is not None and role not in AGENCY_SCOPED_ROLES:
            v["agency_code"] = code = ""  # a global role has no agency
        held = existing.get(username)
        if held is None:
            display_name = v["display_name"].strip()
            if not display_name or len(display_name) > 200:
                row.error(heads["display_name"], "กรุณากรอกชื่อที่แสดง (ไม่เกิน 200 ตัวอักษร)")
            _refusal(row, heads["email"], lambda: ops.clean_email(v["email"]))
            if v["password"]:
                _refusal(row, heads["password"], lambda: ops.check_password(v["password"]))
        if row.errors:
            continue
        role_text = ROLES[role] + (f" · {code}" if code else "")
        v["role"] = role
        if held is None:
            row.action = "create"
            row.note = f"สร้างใหม่ พร้อมบทบาท {role_text}" + ("" if v["password"] else " (ระบบสุ่มรหัสผ่าน)")
        elif (role, code or None) in held:
            row.action, row.note = "exists", f"มีอยู่แล้ว (มีบทบาท {role_text} แล้ว)"
        else:
            row.action, row.note = "grant", f"มีอยู่แล้ว จะเพิ่มบทบาท {role_text}"
    return Plan("users", rows)


def apply(plan: Plan, agencies: dict, users: dict) -> list[tuple[str, str]]:
    """Make the plan's changes through the admin operations (each audits itself); the caller
    commits. `agencies`: code → Agency; `users`: username → User. Returns the (username,
    password) of accounts created with a generated password, to be shown once."""
    if plan.errors:
        raise Refused(422, "ไฟล์มีข้อผิดพลาด จึงไม่นำเข้าข้อมูลใดเลย")
    from portal.evidence import quota

    passwords = []
    for row in plan.rows:
        v = row.values
        try:
            if plan.kind == "agencies" and row.action == "create":
                agencies[v["code"]] = ops.create_agency(v["code"], v["name"], v["kind"], v["unit_type"])
            elif plan.kind == "agencies" and row.action == "update":
                agency = agencies[v["code"]]
                limit = agency.storage_quota_bytes
                ops.update_agency(agency, v["code"], v["name"], v["kind"], v["unit_type"], agency.active,
                                  None if limit is None else Decimal(limit) / quota.MB)
            elif plan.kind == "users" and row.action in ("create", "grant"):
                if row.action == "create":
                    user, password = ops.create_user(v["username"], v["display_name"], v["password"] or None,
                                                     email=v["email"] or None)
                    if not v["password"]:
                        passwords.append((user.username, password))
                else:
                    user = users[v["username"]]
                ops.grant_role(user, v["role"], agencies.get(v["agency_code"]) if v["agency_code"] else None)
        except Refused as refusal:  # the database changed since the plan was made
            raise Refused(422, f"แถวที่ {row.number}: {refusal.message} — ไม่ได้นำเข้าข้อมูลใดเลย") from None
    return passwords


def counts(plan: Plan) -> dict[str, int]:
    return {action: plan.count(action) for action in ("create", "update", "unchanged", "grant", "exists")}


def template_csv(kind: str) -> bytes:
    """The file to fill in: Thai headers and one example row, with the byte-order mark Excel
    needs to read Thai in a CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([thai for thai, _required in COLUMNS[kind].values()])
    writer.writerow(EXAMPLES[kind])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stash(folder: Path, kind: str, filename: str, data: bytes) -> str:
    """Keep an uploaded file until it is confirmed; returns its token. Old ones are swept."""
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*"):
        try:
            if now - old.stat().st_mtime > STASH_SECONDS:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    suffix = ".xlsx" if Path(filename or "").suffix.lower() == ".xlsx" else ".csv"
    (folder / f"{kind}-{token}{suffix}").write_bytes(data)
    return token


def unstash(folder: Path, kind: str, token: str, sha256: str) -> tuple[str, bytes]:
    """The stashed file's name and bytes, if the token and the hash match what was previewed."""
    gone = Refused(422, "ไม่พบไฟล์ที่ตรวจสอบไว้ (อาจหมดเวลาแล้ว) กรุณาอัปโหลดไฟล์อีกครั้ง")
    if kind not in KINDS or not TOKEN_PATTERN.match(token or ""):
        raise gone
    for suffix in (".csv", ".xlsx"):
        path = folder / f"{kind}-{token}{suffix}"
        if path.is_file():
            data = path.read_bytes()
            if digest(data) != (sha256 or ""):
                raise Refused(422, "ไฟล์ไม่ตรงกับที่ตรวจสอบไว้ กรุณาอัปโหลดไฟล์อีกครั้ง")
            return path.name, data
    raise gone


def discard(folder: Path, kind: str, token: str) -> None:
    if TOKEN_PATTERN.match(token or ""):
        for suffix in (".csv", ".xlsx"):
            (folder / f"{kind}-{token}{suffix}").unlink(missing_ok=True)
