"""Seeds files: comments, and every bad line reported with its number."""

from __future__ import annotations

import pytest

from crawler.seeds import SeedsFile, parse_seeds


@pytest.mark.parametrize(
    ("text", "seeds", "problems"),
    [
        ("https://a.example/\nhttp://b.example/x\n", ("https://a.example/", "http://b.example/x"), ()),
        ("# whole line\n  # indented\n\nhttps://a.example/  # note\nhttps://b.example/\t# tab\n",
         ("https://a.example/", "https://b.example/"), ()),
        ("https://a.example/#frag\n", ("https://a.example/#frag",), ()),  # a fragment, not a comment
        ("https://a.example/\nftp://x\n\nnot a url  # why\nhttps://\n",
         ("https://a.example/",),
         ("seeds.txt:2: 'ftp://x' is not an http(s) URL",
          "seeds.txt:4: 'not a url' is not an http(s) URL",
          "seeds.txt:5: 'https://' is not an http(s) URL")),
        ("http://[::1\n", (), ("seeds.txt:1: 'http://[::1' is not an http(s) URL",)),
        ("# nothing\n\n", (), ("seeds file seeds.txt has no URLs",)),
        ("", (), ("seeds file seeds.txt has no URLs",)),
    ],
    ids=["plain", "comments", "fragment", "bad-lines", "bad-ipv6", "only-comments", "empty"],
)
def test_parse_seeds(text: str, seeds: tuple[str, ...], problems: tuple[str, ...]) -> None:
    assert parse_seeds(text, "seeds.txt") == SeedsFile(seeds, problems)
