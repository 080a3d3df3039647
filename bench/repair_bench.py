"""Fidelity of the Thai repair on text no one here wrote.

    .venv/bin/python -m bench.repair_bench [--sample 2000] [--seed 12] [--page-lines 20]

Clean lines: a seeded sample of PyThaiNLP's Thai Wikipedia titles (names, places,
transliterations) and phrases of its dictionary words (PyThaiNLP ships no sentences).
Damaged lines: the same lines damaged as the guide is (portal/thai/damage.py). Each
method is measured on lines alone (each line its own page), in pages of --page-lines
lines (as extraction calls it), and in mixed pages (every other line damaged). Also:
the guide's real lines (tests/test_thai_repair.py), the criteria's strings repaired a
second time, and what PyPI offers for the job (fixthaipdf) when it is installed.
"""
import argparse
import re
import time
from pathlib import Path

import yaml

from portal.thai.damage import damage_line, sample_phrases, sample_titles, wikipedia_titles
from portal.thai.language_model import training_lines
from portal.thai.marks import evidence_count
from portal.thai.repair import repair_page

ROOT = Path(__file__).resolve().parent.parent


def methods() -> dict:
    found = {"this repair (portal/thai/repair.py)": repair_page, "no repair": lambda text: text}
    try:
        started = time.perf_counter()
        from fixthaipdf import clean
        found[f"fixthaipdf 0.2.1 (import {time.perf_counter() - started:.0f} s)"] = clean
    except ImportError:
        found["fixthaipdf: not installed"] = None
    return found


def in_pages(method, lines: list[str], size: int) -> tuple[list[str], float]:
    started, out = time.perf_counter(), []
    for start in range(0, len(lines), size):
        page = lines[start:start + size]
        repaired = method("\n".join(page)).split("\n")
        out += repaired if len(repaired) == len(page) else [None] * len(page)  # lines merged or split
    return out, time.perf_counter() - started


def alone(method, lines: list[str]) -> tuple[list[str], float]:
    started = time.perf_counter()
    out = [method(line) for line in lines]
    return out, time.perf_counter() - started


def share(out: list, expected: list[str], mask=None) -> str:
    pairs = [(o, e) for k, (o, e) in enumerate(zip(out, expected)) if mask is None or mask(k)]
    right = sum(o == e for o, e in pairs)
    return f"{right}/{len(pairs)} ({100 * right / len(pairs):.1f} %)"


def measure(name: str, clean: list[str], method, size: int) -> list[str]:
    damaged = [damage_line(line) for line in clean]
    kept, kept_time = alone(method, clean)  # first passes timed: no cache knows the lines yet
    kept_pages, _ = in_pages(method, clean, size)
    restored_pages, damaged_time = in_pages(method, damaged, size)
    restored, _ = alone(method, damaged)
    mixed = [d if k % 2 == 0 else c for k, (c, d) in enumerate(zip(clean, damaged))]
    mixed_out, _ = in_pages(method, mixed, size)
    return [name, share(kept, clean), share(kept_pages, clean), share(restored, clean),
            share(restored_pages, clean), share(mixed_out, clean, lambda k: k % 2),
            share(mixed_out, clean, lambda k: k % 2 == 0),
            f"{len(clean) / kept_time:,.0f}", f"{len(clean) / damaged_time:,.0f}"]


def undetectable(name: str, clean: list[str], known: set[str]) -> str:
    damaged = [damage_line(line) for line in clean]
    unchanged = sum(d == c for c, d in zip(clean, damaged))
    silent = sum(d != c and not evidence_count(d) for c, d in zip(clean, damaged))
    valid = sum(d != c and d in known for c, d in zip(clean, damaged))
    return (f"{name}: damage changes nothing in {unchanged}; damaged but breaking no spelling rule "
            f"(only the model, on a damaged page, can see it) {silent}; damaged into another real "
            f"title or word (no method can tell) {valid}")


def guide_lines() -> list[tuple[str, str]]:
    source = (ROOT / "tests" / "test_thai_repair.py").read_text(encoding="utf-8")
    namespace: dict = {}
    exec(source[source.index("GUIDE_LINES = ["):source.index("ALREADY_CLEAN")], namespace)  # noqa: S102
    return namespace["GUIDE_LINES"]


def criteria_strings() -> list[str]:
    def walk(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for child in value.values():
                yield from walk(child)
        elif isinstance(value, list):
            for child in value:
                yield from walk(child)

    strings = []
    for path in sorted((ROOT / "criteria" / "pmqa-4.0").glob("*.yaml")):
        strings += [s for s in walk(yaml.safe_load(path.read_text(encoding="utf-8"))) if re.search("[\u0e01-\u0e4e]", s)]
    return strings


def table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=2000, help="lines per corpus")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--page-lines", type=int, default=20)
    args = parser.parse_args()
    corpora = {"Wikipedia titles": sample_titles(args.sample, args.seed),
               "dictionary phrases": sample_phrases(args.sample, args.seed)}
    started = time.perf_counter()
    repair_page("ผูบ้รหิาร")  # the character model is built once per process
    print(f"character model built in {time.perf_counter() - started:.1f} s "
          f"(only for pages that show damage)\n")
    header = ["corpus / method", "clean kept (alone)", "clean kept (pages)", "restored (alone)",
              "restored (pages)", "mixed: clean kept", "mixed: restored", "clean lines/s", "damaged lines/s"]
    rows, candidates = [], methods()
    for name, clean in corpora.items():
        for method_name, method in candidates.items():
            rows.append(measure(f"{name} / {method_name}", clean, method, args.page_lines)
                        if method else [f"{name} / {method_name}"] + ["–"] * (len(header) - 1))
    table(header, rows)

    known = set(wikipedia_titles())
    from pythainlp.corpus import thai_words
    known |= set(thai_words())
    print()
    for name, clean in corpora.items():
        print(undetectable(name, clean, known))
    trained = set(training_lines())
    print("lines of the samples that are themselves in the model's training words: "
          + ", ".join(f"{name} {sum(line in trained for line in clean)}" for name, clean in corpora.items()))

    print()
    rows = []
    guide = guide_lines()
    strings = criteria_strings()
    for method_name, method in candidates.items():
        if not method:
            continue
        fixed = sum(method(damaged) == expected for damaged, expected in guide)
        started = time.perf_counter()
        changed = [text for text in strings if method(text) != text]
        spoilt = sum(1 for text in changed if not evidence_count(text))
        rows.append([method_name, f"{fixed}/{len(guide)}", f"{len(changed)}/{len(strings)}", f"{spoilt}",
                     f"{time.perf_counter() - started:.1f} s"])
    damaged = sum(1 for text in strings if evidence_count(text))
    table(["method", "guide lines restored", "criteria strings changed by a second repair",
           f"of them strings that showed no damage (the other {damaged} still do)", "time"], rows)


if __name__ == "__main__":
    main()
