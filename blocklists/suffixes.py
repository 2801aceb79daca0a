"""Public suffixes: where registrable domains begin, from the list bundled with tldextract.

The rules are tldextract's (private suffixes such as ``github.io`` included, never downloaded),
the same ones ``crawler/net/sites.py`` uses. Calling tldextract for each entry costs about 3 µs, a
third of the budget for loading a million entries, so the rules are put once into a trie of
punycode labels and walked here the way tldextract walks them (wildcards, exceptions). One
difference, on purpose: a name under no rule falls under the Public Suffix List's default rule
``*`` (its last label is the suffix), so ``piracy.example`` has a registrable domain.
"""

from __future__ import annotations

from blocklists.names import ascii_name
from storage.psl import EXTRACT

__all__ = ["public_suffix"]

# A trie of labels, right to left: node = {label: node}; _RULE in a node marks the end of a
# rule, "*" a wildcard, "!label" an exception. Plain dicts: the walk is most of the check.
_Trie = dict[str, "_Trie"]
_RULE = ""  # never a label


def _label(label: str) -> str:
    if label == "*":
        return label
    if label.startswith("!"):
        return "!" + ascii_name(label[1:])
    return ascii_name(label)


def _trie(rules: list[str]) -> _Trie:
    root: _Trie = {}
    for rule in rules:
        node = root
        for label in reversed(rule.split(".")):
            node = node.setdefault(_label(label), {})
        node[_RULE] = {}
    return root


_ROOT = _trie(EXTRACT.tlds)


def public_suffix(labels: list[str]) -> tuple[int, bool]:
    """How many trailing ``labels`` (lower-case punycode) form the public suffix, and whether a
    rule of the list (rather than the default rule) says so."""
    node = _ROOT
    length = 0
    for depth, label in enumerate(reversed(labels)):  # depth: labels matched so far
        child = node.get(label)
        if child is None:
            if "*" in node:
                return (depth if "!" + label in node else depth + 1), True
            break
        node = child
        if _RULE in child:
            length = depth + 1
    if length:
        return length, True
    return 1, False
