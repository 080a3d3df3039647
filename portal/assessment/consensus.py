"""Where the team's judgements of one sub-item or category differ, for the lead agreeing
the consensus. Pure: it reads plain values (no database), so the rule is tested alone.

Three kinds of difference: the levels given differ; a strength or OFI that only some of
the team wrote (texts compared with spacing and case ignored); a member who has not given
a level yet."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Opinion:
    """One member's judgement: the level given (None: not yet) and findings as (kind, text)."""
    level: str | None
    findings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LoneFinding:
    assessor_id: int
    kind: str
    text: str


@dataclass
class Differences:
    levels: dict[int, str | None]  # member → level given (None: not yet)
    levels_differ: bool = False
    not_judged: list[int] = field(default_factory=list)
    lone_findings: list[LoneFinding] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return self.levels_differ or bool(self.not_judged) or bool(self.lone_findings)


def normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


def differences(team: list[int], opinions: dict[int, Opinion]) -> Differences:
    """`team`: the members in the order shown; `opinions`: member → judgement (absent: none)."""
    levels = {member: (opinions[member].level if member in opinions else None) for member in team}
    given = {level for level in levels.values() if level is not None}
    found = Differences(levels, levels_differ=len(given) > 1,
                        not_judged=[member for member, level in levels.items() if level is None])
    if len(team) < 2:
        return found  # one member: nothing to differ from
    written = {member: {(kind, normalized(text)) for kind, text in opinions[member].findings}
               if member in opinions else set() for member in team}
    for member in team:
        for kind, text in (opinions[member].findings if member in opinions else ()):
            key = (kind, normalized(text))
            if not key[1]:
                continue
            if not all(key in written[other] for other in team):
                found.lone_findings.append(LoneFinding(member, kind, text))
    return found
