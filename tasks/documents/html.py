"""HTML with the standard library's parser: headings, paragraphs, lists, pre, tables.

Scripts, styles and other non-content elements are dropped; whitespace is
collapsed as a browser would, except inside <pre>. Table cells spanning rows or
columns are repeated into each grid position they cover, like merged cells in a
sheet, so every row has one value per column.
"""

from __future__ import annotations

from html.parser import HTMLParser

from tasks.documents.builder import DocumentBuilder

# Not content: code, styling, and the navigation repeated on every page of a site.
DROPPED = frozenset({
    "script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas", "nav",
})
HEADINGS = {f"h{n}": n for n in range(1, 7)}
BLOCKS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote",
    "dl", "dt", "dd", "figure", "figcaption", "form", "fieldset", "address", "details", "summary",
    "hr", "body", "html",
})
VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "embed",
                  "source", "track", "wbr", "param"})


class _TableState:
    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.cell_span = (1, 1)
        # (row offset, column) -> text carried down by rowspan
        self.carry: dict[tuple[int, int], str] = {}

    def start_row(self) -> None:
        self.end_row()
        self.row = []

    def end_row(self) -> None:
        self.end_cell()
        if self.row is not None:
            self._fill_carry(len(self.row) + 100)
            self.rows.append(self.row)
            self.row = None

    def _fill_carry(self, until: int) -> None:
        row_number = len(self.rows)
        assert self.row is not None
        while len(self.row) < until and (row_number, len(self.row)) in self.carry:
            self.row.append(self.carry.pop((row_number, len(self.row))))

    def start_cell(self, rowspan: int, colspan: int) -> None:
        if self.row is None:
            self.start_row()
        self.end_cell()
        self.cell = []
        self.cell_span = (rowspan, colspan)

    def end_cell(self) -> None:
        if self.cell is None or self.row is None:
            return
        text = " ".join("".join(self.cell).split())
        self.cell = None
        self._fill_carry(10_000)
        rowspan, colspan = self.cell_span
        row_number = len(self.rows)
        for _ in range(colspan):
            column = len(self.row)
            self.row.append(text)
            for below in range(1, rowspan):
                self.carry[(row_number + below, column)] = text


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    for key, value in attrs:
        if key == name and value:
            try:
                return max(1, min(int(value), 1000))
            except ValueError:
                return 1
    return 1


class _Reader(HTMLParser):
    def __init__(self, builder: DocumentBuilder) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = builder
        self.dropped = 0
        self.text: list[str] = []
        self.heading: int | None = None
        self.pre = 0
        self.lists: list[list] = []  # [ordered, next number]
        self.item_open = False
        self.tables: list[_TableState] = []

    # -- text buffers -----------------------------------------------------------

    def _flush(self) -> None:
        raw = "".join(self.text)
        self.text = []
        if self.item_open:
            ordered, number = self.lists[-1] if self.lists else (False, 0)
            marker = f"{number}." if ordered else "-"
            if " ".join(raw.split()):
                self.builder.list_item(raw, marker=marker, depth=max(len(self.lists) - 1, 0))
                if ordered:
                    self.lists[-1][1] += 1
                self.item_open = False
            return
        lines = [" ".join(line.split()) for line in raw.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            self.builder.paragraph(paragraph)

    # -- parser callbacks ------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            if tag not in VOID:
                self.dropped += 1
            return
        if self.dropped:
            return
        if self.tables:
            table = self.tables[-1]
            if tag == "tr":
                table.start_row()
            elif tag in ("td", "th"):
                table.start_cell(_span(attrs, "rowspan"), _span(attrs, "colspan"))
            elif tag == "br" and table.cell is not None:
                table.cell.append(" ")
            elif tag == "table":
                self.tables.append(_TableState())
            return
        if tag == "table":
            self._flush()
            self.tables.append(_TableState())
        elif tag in HEADINGS:
            self._flush()
            self.heading = HEADINGS[tag]
        elif tag == "pre":
            self._flush()
            self.pre += 1
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append([tag == "ol", 1])
        elif tag == "li":
            self._flush()
            self.item_open = True
        elif tag == "br":
            self.text.append("\n")
        elif tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropped = max(self.dropped - 1, 0)
            return
        if self.dropped:
            return
        if self.tables:
            table = self.tables[-1]
            if tag in ("td", "th"):
                table.end_cell()
            elif tag == "tr":
                table.end_row()
            elif tag == "table":
                table.end_row()
                self.tables.pop()
                if self.tables:  # a nested table: its text goes into the outer cell
                    outer = self.tables[-1]
                    if outer.cell is not None:
                        outer.cell.append(" ".join(" ".join(row) for row in table.rows))
                else:
                    self.builder.table(table.rows)
            return
        if tag in HEADINGS and self.heading is not None:
            title = " ".join("".join(self.text).split())
            self.text = []
            self.builder.heading(self.heading, title)
            self.heading = None
        elif tag == "pre" and self.pre:
            self.pre -= 1
            raw = "".join(self.text)
            self.text = []
            if raw.strip():
                # Fenced, so that a `# comment` line in it never reads as a heading.
                self.builder.code("```\n" + raw.strip("\n") + "\n```")
        elif tag == "li":
            self._flush()
            self.item_open = False
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self.builder.end_list()
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.dropped:
            return
        if self.tables:
            cell = self.tables[-1].cell
            if cell is not None:
                cell.append(data)
            return
        self.text.append(data if self.pre else data.replace("\n", " "))

    def close(self) -> None:
        super().close()
        while self.tables:
            table = self.tables.pop()
            table.end_row()
            if not self.tables:
                self.builder.table(table.rows)
        self._flush()


def read_html(text: str, builder: DocumentBuilder) -> None:
    """Feeds the builder the blocks of an HTML page."""
    reader = _Reader(builder)
    reader.feed(text)
    reader.close()
