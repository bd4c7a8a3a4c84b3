"""Measure the text-extraction layer (tasks/documents): time per document and peak memory.

Two parts:
1. The bundled corpus (examples/docs/), every file extracted `--rounds` times: median
   milliseconds per document for each format.
2. Large generated files (Markdown, text, CSV, xlsx, docx, PDF) of about `--mb` MB
   of text each: seconds, MB/s and the peak RSS while extracting, so a reader that
   holds more than a few copies of a file shows up.

    .venv/bin/python profiling/bench_documents.py
    .venv/bin/python profiling/bench_documents.py --mb 20 --rounds 5
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import psutil

from tasks.documents import extract, walk

CORPUS = Path(__file__).resolve().parents[1] / "examples" / "docs"
WORDS = ["order", "user", "token", "page", "size", "ship", "status", "pending", "total", "price", "quantity", "email", "validation", "error", "request", "response", "header", "scenario", "requirement"]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))


def make_markdown(path: Path, size: int, rng: random.Random) -> None:
    parts, total, n = ["# Generated handbook\n"], 0, 0
    while total < size:
        n += 1
        block = (f"## Section {n}\n\n{paragraph(rng)}\n\n{paragraph(rng)}\n\n- {sentence(rng)}\n"
                 f"- {sentence(rng)}\n\n| code | meaning |\n|---|---|\n| {n} | {sentence(rng)} |\n")
        parts.append(block)
        total += len(block)
    path.write_text("\n".join(parts))


def make_text(path: Path, size: int, rng: random.Random) -> None:
    parts, total = [], 0
    while total < size:
        parts.append(paragraph(rng))
        total += len(parts[-1]) + 2
    path.write_text("\n\n".join(parts))


def make_csv(path: Path, size: int, rng: random.Random) -> None:
    lines, total, n = ["id,title,method,path,expected"], 0, 0
    while total < size:
        n += 1
        lines.append(f'TC-{n},"{sentence(rng)}",GET,/users/{n},200')
        total += len(lines[-1])
    path.write_text("\n".join(lines))


def make_xlsx(path: Path, size: int, rng: random.Random) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Cases")
    sheet.append(["ID", "Title", "Method", "Path", "Expected"])
    total, n = 0, 0
    while total < size:
        n += 1
        title = sentence(rng)
        sheet.append([f"TC-{n}", title, "GET", f"/users/{n}", 200])
        total += len(title) + 20
    workbook.save(path)


def make_docx(path: Path, size: int, rng: random.Random) -> None:
    import docx

    document = docx.Document()
    total, n = 0, 0
    while total < size:
        n += 1
        document.add_heading(f"Requirement group {n}", 1)
        text = paragraph(rng)
        document.add_paragraph(text)
        document.add_paragraph(sentence(rng), style="List Number")
        total += len(text) + 100
    document.save(path)


def make_pdf(path: Path, size: int, rng: random.Random) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    total, n = 0, 0
    while total < size:
        n += 1
        pdf.set_font("Helvetica", "B", 14)
        pdf.cell(0, 10, f"Section {n}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 10)
        text = paragraph(rng)
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        total += len(text)
    pdf.output(str(path))


MAKERS: dict[str, tuple[str, Callable[[Path, int, random.Random], None], float]] = {
    # name: (suffix, maker, share of --mb: the slow formats get less text)
    "markdown": (".md", make_markdown, 1.0),
    "text": (".txt", make_text, 1.0),
    "csv": (".csv", make_csv, 1.0),
    "xlsx": (".xlsx", make_xlsx, 0.25),
    "docx": (".docx", make_docx, 0.1),
    "pdf": (".pdf", make_pdf, 0.02),
}


class PeakRss:
    """Samples this process's RSS every 5 ms while the block runs."""

    def __enter__(self) -> PeakRss:
        self.process = psutil.Process()
        self.base = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.thread.join()


def bench_corpus(rounds: int) -> None:
    files, _ = walk(CORPUS)
    times: dict[str, list[float]] = defaultdict(list)
    for path in files:  # warm the lazy imports once
        extract(path)
    for _ in range(rounds):
        for path in files:
            started = time.process_time()
            doc = extract(path)
            times[doc.format].append((time.process_time() - started) * 1000)
    print(f"corpus: {len(files)} files in {CORPUS}, {rounds} rounds")
    print(f"  {'format':<9} {'files':>5} {'median cpu ms/doc':>18} {'max ms':>8}")
    for name, values in sorted(times.items()):
        print(f"  {name:<9} {len(values) // rounds:>5} {statistics.median(values):>18.2f} {max(values):>8.1f}")


def bench_large(mb: float, seed: int) -> None:
    rng = random.Random(seed)
    print(f"large files (about {mb} MB of text for markdown/text/csv; less for the slow formats)")
    print("  (cpu s: this process's CPU time; wall s above it means the machine was busy)")
    print(f"  {'format':<9} {'file MB':>8} {'text MB':>8} {'wall s':>7} {'cpu s':>7} "
          f"{'text MB/cpu s':>14} {'RSS MB':>7} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as folder:
        for name, (suffix, maker, share) in MAKERS.items():
            path = Path(folder) / f"large{suffix}"
            maker(path, int(mb * share * 1_000_000), rng)
            gc.collect()
            with PeakRss() as rss:
                started, cpu = time.perf_counter(), time.process_time()
                doc = extract(path)
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            text_mb = len(doc.text) / 1e6
            print(f"  {name:<9} {path.stat().st_size / 1e6:>8.2f} {text_mb:>8.2f} {seconds:>7.2f} {cpu:>7.2f} "
                  f"{text_mb / cpu:>14.2f} {rss.base / 1e6:>7.0f} {rss.peak / 1e6:>8.0f}")
            del doc
            path.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=10.0, help="text size of the large files")
    parser.add_argument("--rounds", type=int, default=3, help="extractions of the corpus")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bench_corpus(args.rounds)
    bench_large(args.mb, args.seed)


if __name__ == "__main__":
    main()
