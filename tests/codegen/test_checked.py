"""The record of rendered modules that passed their check: a hit skips the re-parse, and
only a marker nobody else could have planted counts."""

from __future__ import annotations

import os

import pytest

from tasks.codegen import render
from tasks.codegen.checked import passed_before, remember, verdict_key
from tasks.codegen.mapping import map_schema
from tasks.paths import CHECKED_MODULES as CHECKED
from tasks.schema import read_schema_file
from tasks.settings import project_root

SHOP = project_root() / "examples" / "schemas" / "shop.sql"


def test_the_key_covers_the_text_the_docstring_and_the_values():
    key = verdict_key("x = 1\n", "doc", {"TABLE": "t"})
    assert key == verdict_key("x = 1\n", "doc", {"TABLE": "t"})
    assert len({key, verdict_key("x = 2\n", "doc", {"TABLE": "t"}), verdict_key("x = 1\n", "doc!", {"TABLE": "t"}),
                verdict_key("x = 1\n", "doc", {"TABLE": "u"})}) == 4


def test_only_a_private_marker_counts(tmp_path):
    key, other = verdict_key("a", "", {}), verdict_key("b", "", {})
    assert not passed_before(key, tmp_path)
    remember(key, tmp_path)
    assert passed_before(key, tmp_path) and not passed_before(other, tmp_path)
    folder = tmp_path.joinpath(*CHECKED)
    assert folder.stat().st_mode & 0o777 == 0o700
    (folder / key).chmod(0o666)  # anyone could have written it
    assert not passed_before(key, tmp_path)
    (folder / key).chmod(0o600)
    (folder / other).symlink_to(folder / key)  # a link to a marker is not a marker
    assert not passed_before(other, tmp_path)
    folder.chmod(0o777)  # anyone could plant markers in the folder
    try:
        assert not passed_before(key, tmp_path)
    finally:
        folder.chmod(0o700)


@pytest.fixture
def counted_checks(monkeypatch, tmp_path):
    monkeypatch.setenv("QAFLOW_HOME", str(tmp_path / "home"))
    calls: list[str] = []
    real = render.check_module

    def check(code, **kwargs):
        calls.append(kwargs["table"])
        return real(code, **kwargs)

    monkeypatch.setattr(render, "check_module", check)
    return calls


def test_a_module_rendered_again_is_not_parsed_again(counted_checks):
    plan = map_schema(read_schema_file(SHOP), {"customers": 100, "products": 10, "orders": 50, "order_items": 80})
    customers = plan.table("customers")
    first = render.render_table(customers, source="shop.sql")
    assert counted_checks == ["customers"]
    assert render.render_table(customers, source="shop.sql") == first and counted_checks == ["customers"]
    render.render_table(customers, source="shop.sql", batch_size=512)  # another text: checked
    assert counted_checks == ["customers", "customers"]


def test_a_module_that_fails_its_check_leaves_no_marker(counted_checks, monkeypatch):
    plan = map_schema(read_schema_file(SHOP), {"customers": 100, "products": 10, "orders": 50, "order_items": 80})
    products = plan.table("products")
    real = render.check_module

    def failing(code, **kwargs):
        real(code, **kwargs)
        raise render.UnsafeModule("refused for the test")

    monkeypatch.setattr(render, "check_module", failing)
    for _ in range(2):  # refused both times: no marker was left by the first refusal
        with pytest.raises(render.UnsafeModule, match="refused for the test"):
            render.render_table(products, source="shop.sql")
    assert not any(os.scandir(os.path.join(os.environ["QAFLOW_HOME"], *CHECKED)))
