"""Text files in legacy encodings are decoded by detection, and say which."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.documents import extract

KOREAN = "# 회의록\n\n이번 주 배포 일정은 목요일입니다. 테스트 환경의 토큰은 한 시간 후에 만료됩니다.\n"
JAPANESE = "# 議事録\n\n今週のリリースは木曜日です。トークンは一時間で失効します。\n"
FRENCH = "# Résumé\n\nLe café crème coûte deux euros. Garçon, où est la clé ?\n"


@pytest.mark.parametrize(
    ("name", "text", "codec", "expected"),
    [
        ("utf8.md", KOREAN, "utf-8", {"utf-8"}),
        ("bom.md", KOREAN, "utf-8-sig", {"utf-8-sig"}),
        ("utf16.md", KOREAN, "utf-16", {"utf-16"}),
        ("cp949.md", KOREAN, "cp949", {"cp949"}),
        ("euckr.txt", KOREAN, "euc_kr", {"cp949", "euc_kr"}),
        ("sjis.md", JAPANESE, "shift_jis", {"shift_jis", "cp932"}),
        ("latin1.txt", FRENCH, "latin-1", {"cp1252", "latin_1"}),
    ],
)
def test_encoding_is_detected_and_reported(tmp_path: Path, name: str, text: str, codec: str, expected: set[str]) -> None:
    path = tmp_path / name
    path.write_bytes(text.encode(codec))
    doc = extract(path)
    assert doc.encoding in expected
    assert "\ufffd" not in doc.text and doc.warnings == []
    body = text.split("\n\n", 1)[1].strip()
    assert body in doc.text
    assert doc.sections[0].heading_path in ([], [text.split("\n")[0].lstrip("# ")])


def test_a_short_latin1_line_is_not_read_as_cyrillic(tmp_path: Path) -> None:
    path = tmp_path / "menu.txt"
    path.write_bytes("Café".encode("latin-1"))
    assert extract(path).text == "Café"
