"""`flask users …` and `flask agencies …`: the same operations as the admin pages."""
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.admin import operations as ops
from portal.errors import Refused
from portal.extensions import db
from portal.models import AGENCY_KINDS, ROLES, UNIT_TYPES, Agency, User

users_cli = AppGroup("users", help="จัดการบัญชีผู้ใช้และบทบาท")
agencies_cli = AppGroup("agencies", help="จัดการส่วนราชการ")


def _fail(message: str):
    click.echo(f"ผิดพลาด: {message}", err=True)
    db.session.rollback()
    sys.exit(1)


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        _fail(f"ไม่พบผู้ใช้ {username}")
    return user


def _agency(code: str | None) -> Agency | None:
    if code is None:
        return None
    agency = db.session.scalar(select(Agency).where(Agency.code == code.strip().upper()))
    if agency is None:
        _fail(f"ไม่พบส่วนราชการรหัส {code}")
    return agency


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="ชื่อที่แสดง")
@click.option("--password", help="ไม่ระบุ = สุ่มให้และพิมพ์ออกมา")
@click.option("--role", type=click.Choice(list(ROLES)), help="บทบาทแรก")
@click.option("--agency", "agency_code", help="รหัสส่วนราชการ (บทบาทของส่วนราชการและผู้ตรวจ)")
def create_user(username, display_name, password, role, agency_code):
    """Create an account, optionally with a first role."""
    try:
        user, password = ops.create_user(username, display_name, password)
        if role:
            ops.grant_role(user, role, _agency(agency_code))
    except Refused as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"สร้างผู้ใช้ {user.username} แล้ว รหัสผ่าน: {password}")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(list(ROLES)))
@click.option("--agency", "agency_code", help="รหัสส่วนราชการ")
@click.option("--remove", is_flag=True, help="ถอนบทบาทแทนการเพิ่ม")
def set_role(username, role, agency_code, remove):
    """Grant (or with --remove, revoke) a role."""
    user, agency = _user(username), _agency(agency_code)
    try:
        if remove:
            grant = next((g for g in user.grants if g.role == role
                          and g.agency_id == (agency.id if agency else None)), None)
            if grant is None:
                raise Refused(422, "ผู้ใช้ไม่มีบทบาทนี้")
            ops.revoke_role(user, grant)
        else:
            ops.grant_role(user, role, agency)
    except Refused as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"{user.username}: {', '.join(_describe(g) for g in user.grants) or 'ไม่มีบทบาท'}")


def _describe(grant) -> str:
    return f"{grant.role}@{grant.agency.code}" if grant.agency else grant.role


@users_cli.command("deactivate")
@click.argument("username")
def deactivate(username):
    """Block sign-in and end every session of the account."""
    ops.set_active(_user(username), False)
    db.session.commit()
    click.echo(f"ระงับบัญชี {username} แล้ว")


@users_cli.command("activate")
@click.argument("username")
def activate(username):
    ops.set_active(_user(username), True)
    db.session.commit()
    click.echo(f"เปิดใช้บัญชี {username} แล้ว")


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--password", help="ไม่ระบุ = สุ่มให้และพิมพ์ออกมา")
def reset_password(username, password):
    user = _user(username)
    try:
        password = ops.reset_password(user, password)
    except Refused as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"ตั้งรหัสผ่านใหม่ของ {user.username}: {password}")


@users_cli.command("list")
def list_users():
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "" if user.active else " (ระงับ)"
        click.echo(f"{user.username:<16} {user.display_name}{state}  [{', '.join(_describe(g) for g in user.grants)}]")


@agencies_cli.command("create")
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(list(AGENCY_KINDS)), required=True)
@click.option("--unit-type", type=click.Choice(list(UNIT_TYPES)), required=True)
def create_agency(code, name, kind, unit_type):
    try:
        agency = ops.create_agency(code, name, kind, unit_type)
    except Refused as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"สร้างส่วนราชการ {agency.code} {agency.name} แล้ว")


@agencies_cli.command("list")
def list_agencies():
    for agency in db.session.scalars(select(Agency).order_by(Agency.code)):
        state = "" if agency.active else " (ปิดใช้งาน)"
        click.echo(f"{agency.code:<14} {agency.kind_label:<12} {agency.unit_type_label:<12} {agency.name}{state}")
