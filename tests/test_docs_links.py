"""Every link and picture in the README and docs/ points at a file that is there: a new
user clicking through the documentation on a fresh clone never meets a dead link or a
missing screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: [text](target) and ![alt](target), outside code
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def local_links(page: Path) -> list[tuple[int, str]]:
    out, in_code = [], False
    for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        for target in LINK.findall(line):
            if not re.match(r"[a-z]+:", target) and not target.startswith("#"):
                out.append((n, target.split("#")[0]))
    return out


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_and_pictures_point_at_files_that_exist(page: Path):
    dead = [f"{page.relative_to(ROOT)}:{n}: {target}" for n, target in local_links(page)
            if not (page.parent / target).exists()]
    assert not dead, "dead links:\n" + "\n".join(dead)


def test_the_readme_shows_the_game():
    pictures = [t for _, t in local_links(ROOT / "README.md") if t.endswith(".png")]
    assert len(pictures) >= 4
    for picture in pictures:
        assert (ROOT / picture).stat().st_size > 10_000  # a picture, not an empty file
