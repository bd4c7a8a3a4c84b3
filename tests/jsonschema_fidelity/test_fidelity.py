"""Every generated record validates against its own JSON Schema (jsonschema, format checking on).

Real public schemas nobody here wrote, kept under fixtures/ with their licences
(fixtures/README.md says where each comes from): GeoJSON's Feature (oneOf
geometries, nested arrays of arrays), GeoJSON's source schemas whose `$ref`s
point into other files and a sub-folder, SchemaStore schemas (arrays of
objects, enums with uniqueItems, `definitions`), and the component schemas of
the Swagger Petstore OpenAPI document. The bar is 99% valid records for each
and 100% for the project's own example.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.jsonschema_fidelity.harness import Outcome, generate_and_validate

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
ROWS = 200

CASES = {
    "example-customer": (ROOT / "examples" / "schemas" / "customer.schema.json", 1.0),
    "geojson-feature": (FIXTURES / "geojson-Feature.json", 0.99),
    "geojson-multipolygon-refs-across-files": (FIXTURES / "geojson-src" / "MultiPolygon.json", 0.99),
    "geojson-polygon-refs-across-files": (FIXTURES / "geojson-src" / "Polygon.json", 0.99),
    "schemastore-all-contributors": (FIXTURES / "schemastore" / "all-contributors.json", 0.99),
    "schemastore-github-funding": (FIXTURES / "schemastore" / "github-funding.json", 0.99),
    "schemastore-lerna": (FIXTURES / "schemastore" / "lerna.json", 0.99),
    "schemastore-bower": (FIXTURES / "schemastore" / "bower.json", 0.99),
}


def _report(name: str, outcome: Outcome) -> str:
    return f"{name}: {outcome.valid}/{len(outcome.records)} valid; first problems: {outcome.problems}"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Each case generated once for the module (the shape test reads the same records)."""
    cache: dict[str, Outcome] = {}

    class Lazy(dict):
        def __missing__(self, name: str) -> Outcome:
            cache[name] = generate_and_validate(CASES[name][0], tmp_path_factory.mktemp(name), ROWS)
            return cache[name]

    return Lazy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_records_validate_against_their_schema(name: str, outcomes: dict[str, Outcome]) -> None:
    bar = CASES[name][1]
    outcome = outcomes[name]
    assert len(outcome.records) == ROWS
    assert outcome.share >= bar, _report(name, outcome)


@pytest.mark.parametrize("component", ["Pet", "Order", "User"])
def test_openapi_component_schemas_validate(component: str, tmp_path: Path) -> None:
    """A component of a public OpenAPI document, as a JSON Schema that keeps its `#/components/...` refs."""
    document = yaml.safe_load((FIXTURES / "openapi" / "petstore-openapi.yaml").read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    root = {"title": component, **schemas[component], "components": {"schemas": schemas}}
    path = tmp_path / f"{component}.schema.json"
    path.write_text(json.dumps(root), encoding="utf-8")
    outcome = generate_and_validate(path, tmp_path, ROWS, schema=root)
    assert outcome.share >= 0.99, _report(component, outcome)


def test_records_have_the_schemas_shape(outcomes: dict[str, Outcome]) -> None:
    """Not just valid: nested objects stay objects, arrays hold the items the schema names, each oneOf
    branch is used, and optional properties are sometimes absent (never null where null is not allowed)."""
    outcome = outcomes["geojson-feature"]
    kinds = {r["geometry"]["type"] for r in outcome.records if r.get("geometry")}
    assert kinds == {"Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
                     "GeometryCollection"}
    assert any(r["geometry"] is None for r in outcome.records)  # the null branch of the oneOf
    points = [r["geometry"]["coordinates"] for r in outcome.records
              if r.get("geometry") and r["geometry"]["type"] == "Point"]
    assert points and all(len(p) >= 2 and all(isinstance(x, int | float) for x in p) for p in points)
    assert any("bbox" not in r for r in outcome.records) and all(r.get("bbox", []) is not None
                                                                 for r in outcome.records)

    customer = outcomes["example-customer"].records
    assert all(isinstance(r["address"], dict) and set(r["address"]) == {"street", "city", "postcode", "country_code"}
               for r in customer)
    assert all(isinstance(r.get("tags", []), list) and len(r.get("tags", [])) <= 5 for r in customer)
    assert not any(key.startswith("address_") for r in customer for key in r)  # not flattened
    assert any("website" not in r for r in customer) and not any(r.get("website", "") is None for r in customer)
