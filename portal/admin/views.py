"""Administration pages: accounts and roles (this module), agencies, cycles and the audit
log (portal.admin.registry_views). Admins only; every change goes through operations."""
from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.access import FORBIDDEN
from portal import versions
from portal.actions import act
from portal.admin import bp
from portal.admin import operations as ops
from portal.admin.forms import DisplayNameForm, GrantForm, UserForm
from portal.errors import Refused
from portal.extensions import db
from portal.forms import place_refusal
from portal.fragments import render
from portal.models import ROLES, Agency, RoleGrant, User


PASSWORD_RESET = "ตั้งรหัสผ่านใหม่แล้ว (แสดงครั้งเดียว)"


@bp.before_request
def admins_only():
    if current_user.is_authenticated and not current_user.has_role("admin"):
        abort(403, description=FORBIDDEN)


def agency_choices() -> list[tuple[str, str]]:
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.code))
    return [("", "— ไม่ระบุ —")] + [(str(a.id), f"{a.code} {a.name}") for a in agencies]


def _agency(raw: str | None) -> Agency | None:
    if not raw:
        return None
    agency = db.session.get(Agency, int(raw)) if raw.isdigit() else None
    if agency is None:
        raise Refused(422, "ไม่พบส่วนราชการที่เลือก", field="agency_id")
    return agency


def _filtered_users():
    q = request.args.get("q", "").strip()[:64]
    role = request.args.get("role", "")
    agency_id = request.args.get("agency", type=int)
    statement = select(User).options(selectinload(User.grants).selectinload(RoleGrant.agency)).order_by(User.username)
    if q:
        pattern = f"%{q.lower()}%"
        statement = statement.where(or_(func.lower(User.username).like(pattern),
                                        func.lower(User.display_name).like(pattern)))
    if role in ROLES or agency_id:
        grant_filter = select(RoleGrant.user_id)
        if role in ROLES:
            grant_filter = grant_filter.where(RoleGrant.role == role)
        if agency_id:
            grant_filter = grant_filter.where(RoleGrant.agency_id == agency_id)
        statement = statement.where(User.id.in_(grant_filter))
    return list(db.session.scalars(statement)), {"q": q, "role": role, "agency": agency_id}


def _users_page(form: UserForm, status: int = 200, error: str | None = None, created: tuple | None = None,
                block: str = "user_table"):
    users, filters = _filtered_users()
    form.agency_id.choices = agency_choices()
    return render("admin/users.html", block, status=status, users=users, filters=filters, form=form,
                  error=error, created=created, agencies=agency_choices()[1:])


@bp.get("/")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
def users():
    return _users_page(UserForm())


@bp.post("/users")
def create_user():
    form = UserForm()
    form.agency_id.choices = agency_choices()
    if not form.validate():
        return _users_page(form, status=422, block="create_user")

    def change() -> tuple[str, str]:
        user, password = ops.create_user(form.username.data, form.display_name.data, form.password.data or None)
        if form.role.data:
            ops.grant_role(user, form.role.data, _agency(form.agency_id.data))
        return user.username, password

    # The page itself shows the new account and its password, once.
    return act(change, "สร้างบัญชีแล้ว", full_page=True,
               show=lambda _text, created: _users_page(UserForm(formdata=None), created=created,
                                                       block="create_user"),
               form=lambda refusal: _users_page(form, status=refusal.status, error=place_refusal(form, refusal),
                                                block="create_user"))


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(user: User, status: int = 200, error: str | None = None, message: str | None = None,
               new_password: str | None = None, name_form: DisplayNameForm | None = None,
               grant_form: GrantForm | None = None, refusal: Refused | None = None):
    """`name_form`, `grant_form`: the form as typed, shown again after a `refusal`, whose
    message goes to the field it names (or above the page)."""
    grant_form = grant_form or GrantForm(formdata=None)
    grant_form.agency_id.choices = agency_choices()
    name_form = name_form or DisplayNameForm(formdata=None, display_name=user.display_name, email=user.email)
    if refusal is not None:
        typed = {"display_name": name_form, "email": name_form, "role": grant_form, "agency_id": grant_form}
        error = place_refusal(typed[refusal.field], refusal) if refusal.field in typed else refusal.message
    return render("admin/user.html", "user_detail", status=status, user=user,
                  name_form=name_form, grant_form=grant_form,
                  error=error, message=message, new_password=new_password)


def _user_action(user: User, change, message, name_form: DisplayNameForm | None = None,
                 grant_form: GrantForm | None = None):
    """One change to an account, answered with its page (portal.actions)."""
    return act(change, message, show=lambda text, _: _user_page(user, message=text),
               form=lambda refusal: _user_page(user, status=refusal.status, name_form=name_form,
                                               grant_form=grant_form, refusal=refusal),
               back=url_for("admin.user", user_id=user.id), full_page=True)


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    return _user_page(_user_or_404(user_id))


@bp.post("/users/<int:user_id>")
def update_user(user_id: int):
    user = _user_or_404(user_id)
    form = DisplayNameForm()

    def change():
        if not form.validate():
            raise Refused(422, "กรุณากรอกชื่อที่แสดง (ไม่เกิน 200 ตัวอักษร)", field="display_name")
        ops.update_user(user, form.display_name.data, form.email.data, version=versions.submitted(request.form),
                        acting_user=current_user)

    return _user_action(user, change, "บันทึกข้อมูลบัญชีแล้ว", name_form=form)


@bp.post("/users/<int:user_id>/roles")
def grant_role(user_id: int):
    user = _user_or_404(user_id)
    form = GrantForm()
    form.agency_id.choices = agency_choices()
    return _user_action(user, lambda: ops.grant_role(user, form.role.data or "", _agency(form.agency_id.data)),
                        lambda _: f"เพิ่มบทบาท {ROLES[form.role.data]} แล้ว", grant_form=form)


@bp.post("/users/<int:user_id>/roles/<int:grant_id>/delete")
def revoke_role(user_id: int, grant_id: int):
    user = _user_or_404(user_id)
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user.id:
        abort(404)
    return _user_action(user, lambda: ops.revoke_role(user, grant), "ถอนบทบาทแล้ว")


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    acting_user = current_user._get_current_object()
    return _user_action(user, lambda: ops.set_active(user, active, acting_user=acting_user),
                        "เปิดใช้บัญชีแล้ว" if active else "ระงับบัญชีแล้ว ผู้ใช้ถูกออกจากระบบทุกเครื่อง")


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    # The new password is shown once: in the page for htmx, in the flashed message otherwise.
    return act(lambda: ops.reset_password(user), lambda password: f"{PASSWORD_RESET}: {password}",
               show=lambda _text, password: _user_page(user, message=PASSWORD_RESET, new_password=password),
               back=url_for("admin.user", user_id=user.id), full_page=True)

