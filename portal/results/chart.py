"""Geometry of the small three-year trend chart, drawn as inline SVG by the template
(no JavaScript and no image files: the portal must work offline and under a strict CSP)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    points: list[tuple[float, float, int, float]]  # (x, y, year, value) of the years with a value
    target_y: float | None
    label: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in self.points)


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def trend_chart(values, target: float | None, years, width: int = 104, height: int = 40,
                pad: int = 6) -> TrendChart:
    """Scale the years' values and the target into one box; higher values are drawn higher."""
    known = [v for v in values if v is not None]
    scale = known + ([target] if target is not None else [])
    low, high = (min(scale), max(scale)) if scale else (0.0, 1.0)
    span = high - low

    def y_of(value: float) -> float:
        if span == 0:
            return height / 2
        return pad + (high - value) * (height - 2 * pad) / span

    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = [(pad + i * step, y_of(v), year, v)
              for i, (v, year) in enumerate(zip(values, years)) if v is not None]
    parts = [f"{year}: {_fmt(v) if v is not None else 'ไม่มีข้อมูล'}" for v, year in zip(values, years)]
    if target is not None:
        parts.append(f"เป้าหมาย {_fmt(target)}")
    return TrendChart(width, height, points, y_of(target) if target is not None else None,
                      "แนวโน้ม " + " · ".join(parts))
