"""The demo API as a client sees it: auth, CRUD, validation, pagination, OpenAPI."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from examples.demo_api.server import start_demo_api

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    base_url, stop = start_demo_api(token="t0ken")
    try:
        with httpx.Client(base_url=base_url, headers={"Authorization": "Bearer t0ken"}, timeout=5) as client:
            yield client
    finally:
        stop()


def test_health_and_auth(api):
    assert httpx.get(f"{api.base_url}/health").json() == {"status": "ok"}
    anonymous = httpx.get(f"{api.base_url}/users")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    wrong = httpx.get(f"{api.base_url}/users", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_user_crud_and_validation(api):
    created = api.post("/users", json={"name": "Ann", "email": "Ann@Example.com", "age": 40})
    assert created.status_code == 201
    user = created.json()
    assert created.headers["location"] == f"/users/{user['id']}"
    assert user["email"] == "ann@example.com" and user["role"] == "member"
    assert api.post("/users", json={"name": "Ann 2", "email": "ann@example.com"}).status_code == 409
    bad = api.post("/users", json={"name": "", "email": "x", "age": 200, "extra": 1})
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {
        ("body", "name"),
        ("body", "email"),
        ("body", "age"),
        ("body", "extra"),
    }
    patched = api.patch(f"/users/{user['id']}", json={"role": "admin"})
    assert patched.json()["role"] == "admin" and patched.json()["name"] == "Ann"
    replaced = api.put(f"/users/{user['id']}", json={"name": "Anna", "email": "anna@example.com"})
    assert replaced.json()["name"] == "Anna" and replaced.json()["role"] == "member"
    assert api.get(f"/users/{user['id']}").json()["email"] == "anna@example.com"
    assert api.delete(f"/users/{user['id']}").status_code == 204
    assert api.get(f"/users/{user['id']}").status_code == 404
    assert api.get("/users/not-a-number").status_code == 422


def test_pagination(api):
    for i in range(5):
        assert api.post("/users", json={"name": f"P{i}", "email": f"p{i}@example.com"}).status_code == 201
    first = api.get("/users", params={"page": 1, "size": 2}).json()
    total = first["total"]
    assert total >= 5 and len(first["items"]) == 2 and first["page"] == 1 and first["size"] == 2
    last_page = (total + 1) // 2
    assert len(api.get("/users", params={"page": last_page, "size": 2}).json()["items"]) == (total % 2 or 2)
    assert api.get("/users", params={"size": 0}).status_code == 422
    assert api.get("/users", params={"size": 101}).status_code == 422


def test_orders_and_shipping(api):
    user = api.post("/users", json={"name": "O", "email": "o@example.com"}).json()
    order = api.post(
        "/orders", json={"user_id": user["id"], "items": [{"sku": "A", "quantity": 3, "price": 1.25}]}
    )
    assert order.status_code == 201
    body = order.json()
    assert body["total"] == 3.75 and body["status"] == "pending"
    assert api.post("/orders", json={"user_id": 999999, "items": [{"sku": "A", "quantity": 1, "price": 1}]}).status_code == 422
    assert api.post("/orders", json={"user_id": user["id"], "items": []}).status_code == 422
    assert api.post(f"/orders/{body['id']}/ship").json()["status"] == "shipping"
    assert api.post(f"/orders/{body['id']}/ship").status_code == 409
    time.sleep(0.35)
    assert api.get(f"/orders/{body['id']}").json()["status"] == "shipped"
    listed = api.get("/orders", params={"user_id": user["id"], "status": "shipped"}).json()
    assert [o["id"] for o in listed["items"]] == [body["id"]]
    assert api.delete(f"/users/{user['id']}").status_code == 204
    assert api.get(f"/orders/{body['id']}").status_code == 404


def test_openapi_document(api):
    document = httpx.get(f"{api.base_url}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    operations = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert operations == {
        "health", "list_users", "create_user", "get_user", "replace_user", "update_user", "delete_user",
        "list_orders", "create_order", "get_order", "ship_order", "delete_order",
    }
    assert "401" in document["paths"]["/users"]["get"]["responses"]
