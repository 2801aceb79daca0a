"""Opt-outs a robots.txt addresses to AI agents other than ours (SIGNALS.md section 1).

RFC 9309 lets only our own token's groups decide what we may fetch (the robots gate does that).
But ``User-agent: GPTBot`` / ``Disallow: /`` is also the site saying "no AI training here", so a
job whose purpose a listed agent stands for (see ``agents``) treats such a group as a
reservation for that purpose: vectors 6 and 7 of section 1, our inference.

Rules:

* only groups that name the token itself count (``RobotsTxt.has_group`` semantics: exact,
  case-insensitive product token; ``Applebot`` does not bind ``Applebot-Extended``); the ``*``
  group is never an AI opt-out, it is our own token's business;
* all groups naming the token are merged and decided exactly as ``RobotsTxt.allowed`` decides
  (longest pattern, Allow wins a tie, ``/robots.txt`` always allowed); a Disallow that wins is a
  DENY for the token's purposes that the job asked about; an Allow that wins says nothing.

Speed: the crawler asks about every URL with a cached ``RobotsTxt``. :class:`AiGroups` does the
per-file work once (which table tokens have groups, their rules merged and ordered best-first,
tokens with identical rules decided once, rules indexed by their literal start); keep one next
to each cached ``RobotsTxt`` (the origin gate does); :func:`ai_optouts` builds one per call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from .agents import AgentTable
from .memo import EvidenceMemo
from .model import Effect, Evidence, Purpose, reason

# Private on purpose in robots.py; reused so that there is one matcher and one precedence.
from .robots import Group, PathPattern, RobotsTxt, compile_group, match_path

__all__ = ["SIGNAL", "AiGroups", "ai_optouts"]

SIGNAL: Final = "robots.txt"
_FAMILY: Final = "robots-ai-optout"


@dataclass(frozen=True, slots=True)
class _Member:
    """One table token that has groups in this file."""

    name: str  # as written in the table, for the reason code
    purposes: frozenset[Purpose]
    matchers: tuple[PathPattern, ...]  # its groups' rules merged, best-first
    decider: int  # index of the decider: tokens with the same rules are decided once


_Ranks = tuple[int, ...]  # per decider: rank of the winning matcher, -1 when none matched


@dataclass(frozen=True, slots=True)
class AiGroups:
    """The AI-agent groups of one robots.txt for one agent table. Build with :meth:`of`.

    Per URL the work is: find the rules whose literal start is a prefix of the path (a dict
    lookup per distinct start length), match only those, keep the best rank per decider, and
    reuse the Evidence tuple of an earlier URL with the same outcome.
    """

    members: tuple[_Member, ...]
    deciders: int
    #: literal start of a pattern -> (matcher, decider, rank in the decider's best-first list)
    starts: dict[str, tuple[tuple[PathPattern, int, int], ...]]
    lengths: tuple[int, ...]  # distinct lengths of those starts
    _relevant: dict[frozenset[Purpose], tuple[tuple[_Member, frozenset[Purpose]], ...]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _memo: EvidenceMemo = field(
        default_factory=lambda: EvidenceMemo(4096), init=False, compare=False, repr=False
    )

    @classmethod
    def of(cls, robots: RobotsTxt, table: AgentTable) -> AiGroups:
        indices: dict[str, list[int]] = {}
        for index, group in enumerate(robots.groups):
            for token in group.tokens:
                if token in table.tokens:  # "*" and "" are never table tokens
                    indices.setdefault(token, []).append(index)
        signatures: dict[tuple[tuple[str, bool, bool], ...], int] = {}
        representatives: list[tuple[PathPattern, ...]] = []
        members = []
        for token in sorted(indices):
            groups = [robots.groups[i] for i in dict.fromkeys(indices[token])]
            merged = Group((), groups[0].line, tuple(r for g in groups for r in g.rules), ())
            matchers = compile_group(merged)
            # Sites often repeat "User-agent: X / Disallow: /" for every bot: same rules, same
            # answer, whatever the line numbers.
            signature = tuple((m.literal, m.anchored, m.rule.allow) for m in matchers)
            decider = signatures.setdefault(signature, len(signatures))
            if decider == len(representatives):
                representatives.append(matchers)
            members.append(_Member(table.names[token], table.tokens[token], matchers, decider))
        starts: dict[str, list[tuple[PathPattern, int, int]]] = {}
        for decider, matchers in enumerate(representatives):
            for rank, matcher in enumerate(matchers):
                starts.setdefault(matcher.segments[0], []).append((matcher, decider, rank))
        return cls(
            members=tuple(members),
            deciders=len(representatives),
            starts={k: tuple(v) for k, v in starts.items()},
            lengths=tuple(sorted({len(k) for k in starts})),
        )

    def optouts(
        self,
        url: str,
        purposes: Iterable[Purpose],
        *,
        source: str,
        document_sha256: str | None = None,
    ) -> tuple[Evidence, ...]:
        """DENY evidence for each listed agent whose own groups disallow ``url``."""
        if not self.members:
            return ()
        wanted = frozenset(purposes)
        relevant = self._relevant.get(wanted)
        if relevant is None:
            relevant = self._relevant[wanted] = tuple(
                (m, m.purposes & wanted) for m in self.members if m.purposes & wanted
            )
        if not relevant:
            return ()
        path = match_path(url)
        if path == "/robots.txt":
            return ()
        best = [-1] * self.deciders
        for length in self.lengths:
            if length > len(path):
                break
            for matcher, decider, rank in self.starts.get(path[:length], ()):
                held = best[decider]
                if (held < 0 or rank < held) and matcher.matches(path):
                    best[decider] = rank
        return self._memo.get(
            (wanted, source, document_sha256, tuple(best)),
            lambda: _evidence(relevant, best, source, document_sha256),
        )


def _evidence(
    relevant: Iterable[tuple[_Member, frozenset[Purpose]]],
    best: list[int],
    source: str,
    document_sha256: str | None,
) -> tuple[Evidence, ...]:
    found = []
    for member, covered in relevant:
        rank = best[member.decider]
        if rank < 0:
            continue  # no rule matched: allowed
        rule = member.matchers[rank].rule  # same rank: same rules in the same order
        if rule.allow:
            continue
        found.append(
            Evidence(
                signal=SIGNAL,
                source=source,
                value=f"Disallow: {rule.pattern} (group {member.name})",
                effect=Effect.DENY,
                reason=reason(_FAMILY, member.name),
                document_sha256=document_sha256,
                line=rule.line,
                purposes=covered,
            )
        )
    return tuple(found)


def ai_optouts(
    robots: RobotsTxt,
    url: str,
    table: AgentTable,
    purposes: Iterable[Purpose],
    *,
    source: str,
    document_sha256: str | None = None,
) -> tuple[Evidence, ...]:
    """DENY evidence for each agent of ``table`` relevant to ``purposes`` whose explicit
    robots.txt groups disallow ``url``; see the module docstring."""
    return AiGroups.of(robots, table).optouts(
        url, purposes, source=source, document_sha256=document_sha256
    )
