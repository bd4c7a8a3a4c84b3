"""The answer cache is keyed by meaning: the same document by another path, from another
working directory or another checkout costs 0 requests; the prompt carries no local path;
only accepted answers are cached; --refresh re-asks; context changes the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tasks.llm import usage_scope
from tasks.requirements import read_requirements
from tasks.scenarios.generate import generate_features
from tests.fakes.openai_server import FakeOpenAI, endpoint_for
from tests.llm_path.conftest import ANSWER, UNBINDABLE, prose_document


def generate(path: Path, out: Path, llm: FakeOpenAI, **kwargs: object):
    read = read_requirements(path)
    assert not read.errors
    return generate_features(read.requirements, out, endpoint_for(llm), **kwargs)


def test_the_same_document_by_another_path_costs_no_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checkout = tmp_path / "checkout-a"
    doc = prose_document(checkout / "reqs", 3)
    with FakeOpenAI() as llm:
        llm.respond_with(lambda body: ANSWER)
        first = generate(doc.resolve(), tmp_path / "out1", llm)  # absolute path
        asked = len(llm.requests)
        assert asked == 3 and len(first.files) == 1 and first.llm_generated == 3
        for body in llm.requests:  # the local folder never goes to the provider
            assert str(tmp_path) not in str(body["messages"])
            assert "Source: srs.md" in body["messages"][1]["content"]

        monkeypatch.chdir(checkout)  # relative path, from another working directory
        second = generate(Path("reqs/srs.md"), tmp_path / "out2", llm)
        monkeypatch.chdir(checkout / "reqs")
        third = generate(Path("./srs.md"), tmp_path / "out3", llm)
        other = tmp_path / "elsewhere" / "checkout-b"  # another checkout of the same documents
        shutil.copytree(checkout, other)
        monkeypatch.chdir(tmp_path)
        with usage_scope() as spent:
            fourth = generate(other / "reqs" / "srs.md", tmp_path / "out4", llm)
        assert len(llm.requests) == asked  # 0 requests for all three
    assert spent[0].calls == 0 and spent[0].cache_hits == 3
    texts = {Path(r.files[0].path).read_text() for r in (first, second, third, fourth)}
    assert len(texts) == 1


def test_only_accepted_answers_are_cached_and_refresh_reasks(tmp_path: Path) -> None:
    doc = prose_document(tmp_path / "reqs", 1)
    with FakeOpenAI() as llm:
        llm.reply(UNBINDABLE, UNBINDABLE, UNBINDABLE)  # never binds: reported, nothing cached
        failed = generate(doc, tmp_path / "out", llm)
        assert failed.llm_generated == 0 and "after 2 repair(s)" in failed.ungenerated[0].reason
        llm.reply(UNBINDABLE, ANSWER)  # the next run asks again (nothing was kept) and is repaired
        repaired = generate(doc, tmp_path / "out", llm)
        assert len(llm.requests) == 5 and repaired.llm_generated == 1
        again = generate(doc, tmp_path / "out", llm)  # the accepted answer is cached under the first prompt
        assert len(llm.requests) == 5 and again.llm_generated == 1
        llm.reply(ANSWER)
        generate(doc, tmp_path / "out", llm, refresh=True)  # --refresh: asks, and stores the fresh answer
        assert len(llm.requests) == 6
        generate(doc, tmp_path / "out", llm)
        assert len(llm.requests) == 6


def test_rag_context_changes_the_key(tmp_path: Path) -> None:
    doc = prose_document(tmp_path / "reqs", 1)
    with FakeOpenAI() as llm:
        llm.respond_with(lambda body: ANSWER)
        generate(doc, tmp_path / "out", llm)
        generate(doc, tmp_path / "out", llm, context=lambda text, k: ["Health answers {'status': 'ok'}."])
        assert len(llm.requests) == 2
        assert "Health answers" in llm.requests[1]["messages"][1]["content"]
