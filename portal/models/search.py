"""The PostgreSQL search engine's table (portal/search/pg.py): one row per evidence page
(or link) and per answer, written in the same transaction as the change it indexes. The
tsvector and array columns are PostgreSQL's own; on SQLite the table exists (one schema
for every database) but the embedded Whoosh index is used instead."""
import re
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

Words = Text().with_variant(TSVECTOR(), "postgresql")
PARTITION = re.compile(r"search_page_p\d+")  # PostgreSQL's partitions of the table (migration 0020)


def not_a_partition(name, type_, _parent_names) -> bool:
    """Alembic's include_name: the partitions are the table's storage, not tables of the models."""
    return not (type_ == "table" and PARTITION.fullmatch(name or ""))
Codes = JSON().with_variant(ARRAY(Text), "postgresql")


class SearchPage(db.Model):
    __tablename__ = "search_page"
    __table_args__ = (
        Index("ix_search_page_group_key", "group_key"),  # a shown result's pages and copies (migration 0019)
        # GIN on PostgreSQL: words, pairs and filters are keys of one scan (btree_gin; migration 0020).
        Index("ix_search_page_words", "words", "pairs", "agency_id", "cycle_id", "categories", postgresql_using="gin"),
        Index("ix_search_page_bigrams", "bigrams", postgresql_using="gin"),
        Index("ix_search_page_items", "items", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answer.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[int]
    cycle_id: Mapped[int]
    group_key: Mapped[int] = mapped_column(BigInteger)  # portal.search.matching.group_key
    categories: Mapped[list[str]] = mapped_column(Codes)
    sub_items: Mapped[list[str]] = mapped_column(Codes)
    items: Mapped[list[str]] = mapped_column(Codes)
    levels: Mapped[list[str]] = mapped_column(Codes)
    file_kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    page: Mapped[int]
    page_label: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)  # shown in snippets
    question_id: Mapped[int | None]
    question_text: Mapped[str] = mapped_column(Text, default="")
    updated: Mapped[datetime] = mapped_column(DateTime)  # the evidence's or answer's updated_at (UTC)
    document_date: Mapped[date | None] = mapped_column(Date)
    uploaded: Mapped[date | None] = mapped_column(Date)  # Bangkok date the evidence was added
    # On PostgreSQL the table is in 16 hash partitions by id (migration 0020).
    words = mapped_column(Words)  # the Thai analyzer's tokens with positions: title A, file name C, text D
    pairs = mapped_column(Words)  # each field's neighbouring words as one lexeme ("a b"), no positions
    bigrams = mapped_column(Words)  # letter-pair recall field of title and text, no positions
