"""One way to page a list: the database counts the rows and returns one page of them."""
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db


@dataclass(frozen=True)
class Page:
    rows: list
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        """1-based position of the page's first row in the whole list."""
        return (self.number - 1) * self.size + 1


def paged(statement, number: int, size: int) -> Page:
    """The page `number` (clamped to the pages there are) of the statement's rows."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    number = min(max(1, number), max(1, -(-total // size)))
    rows = db.session.execute(statement.limit(size).offset((number - 1) * size)).all()
    return Page(rows, total, number, size)
