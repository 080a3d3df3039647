"""Read and validate the criteria files; a broken file fails naming file, path and field."""
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from portal.criteria.schema import ProcessCategoryData, ResultsCategoryData

EXPECTED_CATEGORIES = ("1", "2", "3", "4", "5", "6", "7")


class CriteriaError(Exception):
    """A criteria file is missing, unreadable or does not match the schema."""


@dataclass(frozen=True)
class CriteriaSet:
    version: str
    process: list[ProcessCategoryData]  # categories 1–6, in order
    results: ResultsCategoryData  # category 7

    def sub_item(self, code: str):
        for category in self.process:
            for sub_item in category.sub_items:
                if sub_item.code == code:
                    return sub_item
        raise KeyError(code)

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every string of every category as (where, text), e.g. ("category-5.yaml:
        sub_items[2].items[9].text", "…"), for checks that read all the criteria."""
        for category in (*self.process, self.results):
            yield from strings_in(category.model_dump(), f"category-{category.code}.yaml:")


def strings_in(value, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside loaded criteria data, with where it sits."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, child in value.items():
            yield from strings_in(child, f"{path}{'.' if not path.endswith(':') else ' '}{key}")
    elif isinstance(value, list):
        for n, child in enumerate(value):
            yield from strings_in(child, f"{path}[{n}]")


def _field_path(location: tuple) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(ทั้งไฟล์)"


def _validate(model: type[BaseModel], data: object, file: Path) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = [f"{file}: {_field_path(e['loc'])}: {e['msg']}" for e in error.errors()]
        raise CriteriaError("\n".join(lines)) from None


def read_yaml(file: Path) -> object:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CriteriaError(f"{file}: ไม่พบไฟล์") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise CriteriaError(f"{file}: อ่านไฟล์ YAML ไม่ได้: {error}") from None


def load_criteria(criteria_dir: str | Path, version: str = "pmqa-4.0") -> CriteriaSet:
    folder = Path(criteria_dir) / version
    process: list[ProcessCategoryData] = []
    results: ResultsCategoryData | None = None
    for code in EXPECTED_CATEGORIES:
        file = folder / f"category-{code}.yaml"
        data = read_yaml(file)
        model = ResultsCategoryData if code == "7" else ProcessCategoryData
        category = _validate(model, data, file)
        if category.code != code:
            raise CriteriaError(f"{file}: code: ไฟล์นี้ต้องเป็นหมวด {code} (พบ {category.code!r})")
        if category.version != version:
            raise CriteriaError(f"{file}: version: ต้องเป็น {version!r} (พบ {category.version!r})")
        if code == "7":
            results = category
        else:
            process.append(category)
    assert results is not None
    return CriteriaSet(version=version, process=process, results=results)
