"""Criteria rows: a cache of the YAML files in criteria/, rebuilt by `criteria load`."""
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

LEVELS = ("basic", "advance", "significance")
KINDS = ("process", "result")


class Category(db.Model):
    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("version", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    position: Mapped[int]
    intent: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Category 7 only: the guide's reporting conditions and scoring wording.
    reporting_rules: Mapped[list[Any]] = mapped_column(JSON, default=list)
    scoring_rule: Mapped[str | None] = mapped_column(Text)
    mandatory_legend: Mapped[str | None] = mapped_column(Text)

    sub_items: Mapped[list["SubItem"]] = relationship(
        back_populates="category", order_by="SubItem.position", cascade="all, delete-orphan"
    )
    dimensions: Mapped[list["ResultDimension"]] = relationship(
        back_populates="category", order_by="ResultDimension.position", cascade="all, delete-orphan"
    )

    @property
    def is_results(self) -> bool:
        return bool(self.dimensions)


class SubItem(db.Model):
    __tablename__ = "sub_item"
    __table_args__ = (UniqueConstraint("category_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]
    guidance: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # The guide's own notes beside the guidance: [{"term": …, "definition": …}].
    glossary: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    meaning: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)

    category: Mapped[Category] = relationship(back_populates="sub_items")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="sub_item", order_by="Question.position", cascade="all, delete-orphan"
    )
    items: Mapped[list["ChecklistItem"]] = relationship(
        back_populates="sub_item", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )

    def items_at(self, level: str, kind: str | None = None) -> list["ChecklistItem"]:
        return [i for i in self.items if i.level == level and (kind is None or i.kind == kind)]


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("sub_item_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_item_id: Mapped[int] = mapped_column(ForeignKey("sub_item.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    # Lead text and sub-bullets, each with "……" where the agency fills in its answer.
    text: Mapped[str] = mapped_column(Text)
    bullets: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int]

    sub_item: Mapped[SubItem] = relationship(back_populates="questions")


class ChecklistItem(db.Model):
    __tablename__ = "checklist_item"
    __table_args__ = (
        UniqueConstraint("sub_item_id", "code"),
        CheckConstraint("level IN ('basic', 'advance', 'significance')", name="level_known"),
        CheckConstraint("kind IN ('process', 'result')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sub_item_id: Mapped[int] = mapped_column(ForeignKey("sub_item.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # Agency tags the item counts for (e.g. ["province"]); empty = every agency.
    applies_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int]

    sub_item: Mapped[SubItem] = relationship(back_populates="items")

    @property
    def full_code(self) -> str:
        """The code people quote across sub-items, e.g. "1.2-A3"."""
        return f"{self.sub_item.code}-{self.code}"


class ResultDimension(db.Model):
    __tablename__ = "result_dimension"
    __table_args__ = (UniqueConstraint("category_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)

    category: Mapped[Category] = relationship(back_populates="dimensions")
    groups: Mapped[list["MetricGroup"]] = relationship(
        back_populates="dimension", order_by="MetricGroup.position", cascade="all, delete-orphan"
    )


class MetricGroup(db.Model):
    __tablename__ = "metric_group"
    __table_args__ = (UniqueConstraint("dimension_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dimension_id: Mapped[int] = mapped_column(
        ForeignKey("result_dimension.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int]
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    mandatory: Mapped[bool] = mapped_column(default=False)
    applies_to: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_metrics: Mapped[int | None]
    max_metrics: Mapped[int | None]
    mandatory_indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)

    dimension: Mapped[ResultDimension] = relationship(back_populates="groups")
