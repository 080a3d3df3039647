"""Sign-in form (Flask-WTF: CSRF included)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import Length

from portal.forms import Required


class LoginForm(FlaskForm):
    username = StringField("ชื่อผู้ใช้", validators=[
        Required("กรุณากรอกชื่อผู้ใช้"), Length(max=64, message="ชื่อผู้ใช้ยาวเกินไป")])
    password = PasswordField("รหัสผ่าน", validators=[
        Required("กรุณากรอกรหัสผ่าน"), Length(max=256, message="รหัสผ่านยาวเกินไป")])
    remember = BooleanField("จดจำการเข้าสู่ระบบในเครื่องนี้")
