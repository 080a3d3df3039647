"""What changed between two snapshots of one agency (pure: snapshots in, differences out):
answers, item statements and level claims by code, evidence added, removed, replaced (another file
hash or version) or edited, category 7 metrics by id."""
from dataclasses import dataclass, field


@dataclass
class Changes:
    """Each list holds codes, or (old, new) pairs of snapshot entries."""

    answers_added: list[str] = field(default_factory=list)
    answers_removed: list[str] = field(default_factory=list)
    answers_changed: list[tuple[str, dict, dict]] = field(default_factory=list)
    statements_added: list[str] = field(default_factory=list)
    statements_removed: list[str] = field(default_factory=list)
    statements_changed: list[tuple[str, dict, dict]] = field(default_factory=list)
    claims_added: list[str] = field(default_factory=list)
    claims_removed: list[str] = field(default_factory=list)
    claims_changed: list[tuple[str, dict, dict]] = field(default_factory=list)
    evidence_added: list[dict] = field(default_factory=list)
    evidence_removed: list[dict] = field(default_factory=list)
    evidence_replaced: list[tuple[dict, dict]] = field(default_factory=list)
    evidence_edited: list[tuple[dict, dict]] = field(default_factory=list)
    metrics_added: list[dict] = field(default_factory=list)
    metrics_removed: list[dict] = field(default_factory=list)
    metrics_changed: list[tuple[dict, dict]] = field(default_factory=list)

    @property
    def none(self) -> bool:
        return not any(getattr(self, name) for name in self.__dataclass_fields__)


def _keyed(old: dict, new: dict):
    added = sorted(set(new) - set(old))
    removed = sorted(set(old) - set(new))
    changed = [(key, old[key], new[key]) for key in sorted(set(old) & set(new)) if old[key] != new[key]]
    return added, removed, changed


def _file(entry: dict) -> tuple | None:
    file = entry.get("file")
    return (file["sha256"], file["version"]) if file else None


def differences(older: dict, newer: dict) -> Changes:
    changes = Changes()
    changes.answers_added, changes.answers_removed, changes.answers_changed = _keyed(
        older["answers"], newer["answers"])
    changes.statements_added, changes.statements_removed, changes.statements_changed = _keyed(
        older["statements"], newer["statements"])
    changes.claims_added, changes.claims_removed, changes.claims_changed = _keyed(older["claims"], newer["claims"])
    old_evidence = {e["id"]: e for e in older["evidence"]}
    new_evidence = {e["id"]: e for e in newer["evidence"]}
    changes.evidence_added = [new_evidence[i] for i in sorted(set(new_evidence) - set(old_evidence))]
    changes.evidence_removed = [old_evidence[i] for i in sorted(set(old_evidence) - set(new_evidence))]
    for i in sorted(set(old_evidence) & set(new_evidence)):
        before, after = old_evidence[i], new_evidence[i]
        if _file(before) != _file(after):
            changes.evidence_replaced.append((before, after))
        elif before != after:  # title, description, date, link, items or notes
            changes.evidence_edited.append((before, after))
    old_metrics = {m["id"]: m for m in older["results"]}
    new_metrics = {m["id"]: m for m in newer["results"]}
    changes.metrics_added = [new_metrics[i] for i in sorted(set(new_metrics) - set(old_metrics))]
    changes.metrics_removed = [old_metrics[i] for i in sorted(set(old_metrics) - set(new_metrics))]
    changes.metrics_changed = [(old_metrics[i], new_metrics[i]) for i in sorted(set(old_metrics) & set(new_metrics))
                               if _metric(old_metrics[i]) != _metric(new_metrics[i])]
    return changes


EMPTY_DEFINITION = {"formula": "", "data_source": "", "baseline": None, "responsible_unit": "",
                    "process_sub_item": ""}


def _metric(entry: dict) -> dict:
    """A snapshot's metric with its definition; snapshots older than the definition have
    none, which reads as the empty one (so an unchanged metric does not show as edited)."""
    return {**entry, "definition": {**EMPTY_DEFINITION, **(entry.get("definition") or {})}}
