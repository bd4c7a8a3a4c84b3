"""reStructuredText: adornment styles decide heading levels in order of appearance."""

from __future__ import annotations

from pathlib import Path

from tasks.documents import extract
from tests.documents.offsets import assert_consistent

GUIDE = """\
===================
 Demo API handbook
===================

For operators of the demo API.

Authentication
==============

Every request carries a token::

    curl -H "Authorization: Bearer demo-token" http://127.0.0.1:8000/users
    # a comment, not a title

After the literal block.

* tokens never expire in the demo
* rotate them anyway

Status codes
------------

+------+---------------------+
| Code | Meaning             |
+======+=====================+
| 401  | missing or wrong    |
|      | token               |
+------+---------------------+
| 403  | not allowed         |
+------+---------------------+

Pagination
==========

=====  ==========
Name   Default
=====  ==========
page   1
size   20
=====  ==========

#. ask for page 1
#. follow ``total``

.. note::

   Sizes above 100 are rejected with 422.
"""


def test_rst_titles_tables_lists_and_literal_blocks(tmp_path: Path) -> None:
    path = tmp_path / "handbook.rst"
    path.write_text(GUIDE, encoding="utf-8")
    doc = extract(path)
    assert doc.format == "rst"
    assert doc.headings() == [
        ["Demo API handbook"],
        ["Demo API handbook", "Authentication"],
        ["Demo API handbook", "Authentication", "Status codes"],
        ["Demo API handbook", "Pagination"],
    ]
    auth = next(s for s in doc.sections if s.heading_path[-1] == "Authentication" and s.kind == "text")
    assert auth.text.startswith("Every request carries a token:\n\n")
    assert "    # a comment, not a title" in auth.text
    assert [t.rows for t in doc.tables] == [
        [["Code", "Meaning"], ["401", "missing or wrong token"], ["403", "not allowed"]],
        [["Name", "Default"], ["page", "1"], ["size", "20"]],
    ]
    lists = [s.text for s in doc.sections if s.kind == "list"]
    assert lists == ["- tokens never expire in the demo\n- rotate them anyway",
                     "1. ask for page 1\n2. follow ``total``"]
    assert "Sizes above 100 are rejected with 422." in doc.sections[-1].text
    assert_consistent(doc)
