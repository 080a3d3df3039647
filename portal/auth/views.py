"""Sign-in and sign-out pages."""
from datetime import datetime, timezone

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from portal import audit
from portal.auth import bp, throttle
from portal.auth.credentials import password_matches
from portal.auth.forms import LoginForm
from portal.auth.session import is_safe_next
from portal.database import end_transaction, reading
from portal.extensions import db
from portal.models import User


@bp.route("/login", methods=["GET", "POST"])
@throttle.sign_in_limits
def login():
    next_path = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(next_path if is_safe_next(next_path) else url_for("main.home"))
    form = LoginForm()

    def page(status: int = 200, error: str | None = None):
        return render_template("auth/login.html", form=form, next_path=next_path, error=error), status

    if request.method == "GET":
        return page()
    if not form.validate():
        return page(422)

    username = form.username.data.strip()
    with reading():  # the password check (scrypt, ~70 ms) holds no write lock
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        matches = password_matches(user, form.password.data)
    end_transaction()  # what follows writes, in a transaction of its own
    if not matches:
        audit.record_refusal("login_failed", actor=None, actor_name=username[:64],
                             object_type="user", object_id=user.id if user else None)
        db.session.commit()
        return page(401, "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
    if not user.active:
        audit.record_refusal("login_blocked", actor=user, object_type="user", object_id=user.id)
        db.session.commit()
        return page(403, "บัญชีนี้ถูกระงับการใช้งาน กรุณาติดต่อผู้ดูแลระบบ")

    session.clear()  # a fresh session on every sign-in
    login_user(user, remember=bool(form.remember.data))
    session.permanent = True
    user.last_login_at = datetime.now(timezone.utc)
    audit.record("login_success", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    throttle.give_back_attempt()  # after the commit: the counters have their own connection
    return redirect(next_path if is_safe_next(next_path) else url_for("main.home"))


@bp.post("/logout")
def logout():
    user = current_user._get_current_object()
    if user.is_authenticated:
        user.end_sessions()  # every copy of the old cookie stops working
        audit.record("logout", actor=user, object_type="user", object_id=user.id)
        db.session.commit()
    logout_user()
    session.clear()
    flash("ออกจากระบบแล้ว", "success")
    return redirect(url_for("auth.login"))
