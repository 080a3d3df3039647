"""Criteria pages: categories → sub-items → a sub-item with its checklist by level."""
from flask import abort, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import cycles
from portal.access import own_agencies
from portal.criteria import bp
from portal.extensions import db
from portal.fragments import render
from portal.models import LEVELS, Category, ResultDimension, SubItem


LEVEL_FILTERS = ("all", *LEVELS)
KIND_FILTERS = ("all", "process", "result")


def _categories() -> list[Category]:
    version = cycles.criteria_edition()
    return list(
        db.session.scalars(
            select(Category)
            .where(Category.version == version)
            .order_by(Category.position)
            .options(selectinload(Category.sub_items).selectinload(SubItem.items))
        )
    )


def _category_or_404(code: str) -> Category:
    category = db.session.scalar(
        select(Category).where(
            Category.version == cycles.criteria_edition(), Category.code == code
        )
    )
    if category is None:
        abort(404, description=f"ไม่พบหมวด {code} ในเกณฑ์ที่ใช้อยู่")
    return category


@bp.get("/")
def index():
    categories = _categories()
    if not categories:
        abort(503, description="ยังไม่ได้โหลดเกณฑ์เข้าสู่ระบบ (flask --app portal criteria load)")
    return render("criteria/index.html", "content", categories=categories)


@bp.get("/<category_code>")
def category(category_code: str):
    category = _category_or_404(category_code)
    if category.dimensions:
        db.session.scalars(
            select(ResultDimension)
            .where(ResultDimension.category_id == category.id)
            .options(selectinload(ResultDimension.groups))
        ).all()
    return render("criteria/category.html", "content", category=category,
                  categories=_categories())


@bp.get("/<category_code>/<sub_item_code>")
def sub_item(category_code: str, sub_item_code: str):
    category = _category_or_404(category_code)
    sub_item = db.session.scalar(
        select(SubItem)
        .where(SubItem.category_id == category.id, SubItem.code == sub_item_code)
        .options(selectinload(SubItem.questions), selectinload(SubItem.items))
    )
    if sub_item is None:
        abort(404, description=f"ไม่พบหัวข้อ {sub_item_code} ในหมวด {category_code}")
    level = request.args.get("level", "all")
    kind = request.args.get("kind", "all")
    if level not in LEVEL_FILTERS or kind not in KIND_FILTERS:
        abort(400, description="ตัวกรองระดับหรือประเภทรายการไม่ถูกต้อง")
    levels = LEVELS if level == "all" else (level,)
    return render(
        "criteria/sub_item.html", "checklist",
        category=category, sub_item=sub_item, levels=levels, level=level, kind=kind,
        siblings=category.sub_items, own_agencies=own_agencies(),
    )
