"""HTML: headings, paragraphs, lists, pre, tables with spans; scripts and styles dropped."""

from __future__ import annotations

from pathlib import Path

from tasks.documents import extract
from tests.documents.offsets import assert_consistent

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo API status page</title>
<style>h1 { color: red }</style>
<script>document.write("<h1>injected</h1>")</script></head>
<body>
<nav><a href="/">Home</a></nav>
<h1>Users &amp; orders</h1>
<p>The demo API keeps users and
   orders <em>in memory</em>.</p>
<p>Restart it<br>to start empty.</p>
<h2>Endpoints</h2>
<ul>
  <li>GET /users</li>
  <li>POST /orders
    <ol><li>validate</li><li>compute the total</li></ol>
  </li>
</ul>
<pre>
# listing users
curl -H 'Authorization: Bearer demo-token' /users
</pre>
<h3>Status codes</h3>
<table>
  <thead><tr><th>Family</th><th colspan="2">Code and meaning</th></tr></thead>
  <tbody>
  <tr><td rowspan="2">4xx</td><td>401</td><td>no token</td></tr>
  <tr><td>422</td><td>invalid body</td></tr>
  </tbody>
</table>
<noscript>enable javascript</noscript>
<div>Last updated 2026-11-20.</div>
</body></html>
"""


def test_html_blocks_heading_paths_and_spanned_tables(tmp_path: Path) -> None:
    path = tmp_path / "status.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = extract(path)
    assert doc.format == "html"
    assert "injected" not in doc.text and "color: red" not in doc.text
    assert "enable javascript" not in doc.text
    assert doc.headings() == [
        ["Users & orders"],
        ["Users & orders", "Endpoints"],
        ["Users & orders", "Endpoints", "Status codes"],
    ]
    intro = doc.sections[0]
    assert intro.text == "The demo API keeps users and orders in memory.\n\nRestart it\nto start empty."
    lists = [s for s in doc.sections if s.kind == "list"]
    assert lists[0].text == "- GET /users\n- POST /orders\n  1. validate\n  2. compute the total"
    code = next(s for s in doc.sections if "curl" in s.text)
    assert code.text.startswith("```\n# listing users\n")
    assert doc.tables[0].rows == [
        ["Family", "Code and meaning", "Code and meaning"],
        ["4xx", "401", "no token"],
        ["4xx", "422", "invalid body"],
    ]
    assert doc.tables[0].heading_path == ["Users & orders", "Endpoints", "Status codes"]
    assert doc.sections[-1].text == "Last updated 2026-11-20."
    assert_consistent(doc)
