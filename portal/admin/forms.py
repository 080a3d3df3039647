"""Admin forms (Flask-WTF): Thai labels and messages; CSRF included."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.widgets import TextInput
from wtforms.validators import Length, NumberRange, Optional, StopValidation

from portal.forms import Required
from portal.models import AGENCY_KINDS, ROLES, UNIT_TYPES


class UserForm(FlaskForm):
    username = StringField("ชื่อผู้ใช้", validators=[Required("กรุณากรอกชื่อผู้ใช้"), Length(max=64)])
    display_name = StringField("ชื่อที่แสดง", validators=[Required("กรุณากรอกชื่อที่แสดง"), Length(max=200)])
    password = PasswordField("รหัสผ่าน (เว้นว่างเพื่อให้ระบบสุ่ม)", validators=[Optional(), Length(max=256)])
    role = SelectField("บทบาทแรก", choices=[("", "— ไม่ระบุ —"), *ROLES.items()], validate_choice=False)
    agency_id = SelectField("ส่วนราชการ", coerce=str, validate_choice=False)


class DisplayNameForm(FlaskForm):
    display_name = StringField("ชื่อที่แสดง", validators=[Required("กรุณากรอกชื่อที่แสดง"), Length(max=200)])
    email = StringField("อีเมล (สำหรับแจ้งเตือนความเห็น ไม่บังคับ)", validators=[Optional(), Length(max=254)])


class GrantForm(FlaskForm):
    role = SelectField("บทบาท", choices=list(ROLES.items()), validate_choice=False)
    agency_id = SelectField("ส่วนราชการ", coerce=str, validate_choice=False)


class AgencyForm(FlaskForm):
    code = StringField("รหัส", validators=[Required("กรุณากรอกรหัสส่วนราชการ"), Length(max=32)])
    name = StringField("ชื่อส่วนราชการ", validators=[Required("กรุณากรอกชื่อส่วนราชการ"), Length(max=300)])
    kind = SelectField("ประเภท", choices=list(AGENCY_KINDS.items()), validate_choice=False)
    unit_type = SelectField("ลักษณะหน่วยงาน", choices=list(UNIT_TYPES.items()), validate_choice=False)
    active = BooleanField("ใช้งาน", default=True)
    # Text, read by portal.evidence.quota.parse_megabytes, so a bad number gets its own Thai message.
    storage_quota_mb = StringField("โควตาพื้นที่ (MB)", validators=[Optional(), Length(max=20)],
                                   render_kw={"placeholder": "ค่าเริ่มต้น", "inputmode": "decimal"})


class YearField(IntegerField):
    """A year typed in a text box (a number box lets the browser refuse in its own words),
    refused in Thai when it is not a number."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("ปีงบประมาณต้องเป็นตัวเลขปีพุทธศักราช เช่น 2569") from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the Thai message above, not "please fill in" over it


class CycleForm(FlaskForm):
    fiscal_year = YearField("ปีงบประมาณ (พ.ศ.)", render_kw={"inputmode": "numeric"}, validators=[
        Required("กรุณากรอกปีงบประมาณ เช่น 2569"),
        NumberRange(2500, 2700, "ปีงบประมาณต้องเป็นปีพุทธศักราช เช่น 2569")])
    criteria_version = StringField("รุ่นของเกณฑ์", validators=[Required("กรุณากรอกรุ่นของเกณฑ์"), Length(max=32)])
