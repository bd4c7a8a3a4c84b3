"""The demo REST API: users and orders in memory, behind a bearer token.

Endpoints (all under a bearer token except /health and the OpenAPI document):

    GET    /health                      {"status": "ok"}
    GET    /users?page=1&size=20        {"items": [...], "total", "page", "size"}
    POST   /users                       201 + Location; 409 on a duplicate email; 422 on bad input
    GET    /users/{user_id}             404 when unknown
    PUT    /users/{user_id}             replace name, email, age, role
    PATCH  /users/{user_id}             change some of them
    DELETE /users/{user_id}             204 (and the user's orders go too)
    GET    /orders?user_id=&status=&page=&size=
    POST   /orders                      201; items of sku, quantity >= 1, price >= 0; total computed
    GET    /orders/{order_id}           order ids are UUIDs
    POST   /orders/{order_id}/ship      202; status "shipping", then "shipped" 0.3 s later
    DELETE /orders/{order_id}           204

Handlers are coroutines on the one event loop, so the store needs no locks.

The token is the environment variable DEMO_API_TOKEN, "demo-token" when unset:
`Authorization: Bearer demo-token`. A missing or wrong token gets 401. Every
operation has a short operationId (`create_user`, `get_order`, ...), so
scenarios can check conformance with "the OpenAPI operation ...".
"""

import os
import secrets
import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, Response, status
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_TOKEN = "demo-token"
SHIP_DELAY_S = 0.3

Role = Literal["admin", "member"]
OrderStatus = Literal["pending", "shipping", "shipped", "cancelled"]
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=EMAIL, max_length=200)
    age: int | None = Field(default=None, ge=0, le=150)
    role: Role = "member"


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    email: str | None = Field(default=None, pattern=EMAIL, max_length=200)
    age: int | None = Field(default=None, ge=0, le=150)
    role: Role | None = None

    @model_validator(mode="after")
    def _required_fields_stay_set(self) -> "UserPatch":
        """name, email and role cannot be cleared: null for them is a 422, not a broken user."""
        cleared = [f for f in ("name", "email", "role") if f in self.model_fields_set and getattr(self, f) is None]
        if cleared:
            raise ValueError(f"{', '.join(cleared)} cannot be null")
        return self


class User(UserIn):
    model_config = ConfigDict(extra="ignore")
    id: int
    created_at: str


class Page(BaseModel):
    total: int
    page: int
    size: int


class UserPage(Page):
    items: list[User]


class OrderItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=40)
    quantity: int = Field(ge=1, le=1000)
    price: float = Field(ge=0)


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: int
    items: list[OrderItem] = Field(min_length=1, max_length=100)


class Order(BaseModel):
    id: str
    user_id: int
    items: list[OrderItem]
    total: float
    status: OrderStatus
    created_at: str


class OrderPage(Page):
    items: list[Order]


class Problem(BaseModel):
    detail: str


class Health(BaseModel):
    status: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Store:
    """The in-memory data; one per app, so each server process starts empty."""

    def __init__(self) -> None:
        self.users: dict[int, dict] = {}
        self.emails: dict[str, int] = {}
        self.orders: dict[str, dict] = {}
        self.ship_at: dict[str, float] = {}
        self.next_user = 1

    def order_view(self, order: dict) -> dict:
        due = self.ship_at.get(order["id"])
        if due is not None and order["status"] == "shipping" and time.monotonic() >= due:
            order["status"] = "shipped"
            del self.ship_at[order["id"]]
        return order


def _page(items: list, page: int, size: int) -> dict:
    start = (page - 1) * size
    return {"items": items[start : start + size], "total": len(items), "page": page, "size": size}


def create_app(token: str | None = None) -> FastAPI:
    token = token or os.environ.get("DEMO_API_TOKEN") or DEFAULT_TOKEN
    app = FastAPI(
        title="qaflow demo API",
        version="1.0.0",
        description="Users and orders, in memory. Bearer token from DEMO_API_TOKEN (default demo-token).",
        generate_unique_id_function=lambda route: route.name if isinstance(route, APIRoute) else "",
    )
    store = Store()
    bearer = HTTPBearer(auto_error=False)
    expected = token.encode()

    async def authorised(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
        if credentials is None or not secrets.compare_digest(credentials.credentials.encode(), expected):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "missing or invalid bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )

    auth = [Depends(authorised)]
    unauthorised = {401: {"model": Problem}}
    not_found = {404: {"model": Problem}, **unauthorised}

    @app.get("/health", response_model=Health, name="health")
    async def health() -> dict:
        return {"status": "ok"}

    def get_user_or_404(user_id: int) -> dict:
        user = store.users.get(user_id)
        if user is None:
            raise HTTPException(404, f"user {user_id} not found")
        return user

    @app.get("/users", response_model=UserPage, dependencies=auth, responses=unauthorised, name="list_users")
    async def list_users(
        page: Annotated[int, Query(ge=1)] = 1,
        size: Annotated[int, Query(ge=1, le=100)] = 20,
        role: Role | None = None,
    ) -> dict:
        users = [u for u in store.users.values() if role is None or u["role"] == role]
        return _page(users, page, size)

    @app.post(
        "/users",
        response_model=User,
        status_code=201,
        dependencies=auth,
        responses={409: {"model": Problem}, **unauthorised},
        name="create_user",
    )
    async def create_user(body: UserIn, response: Response) -> dict:
        email = body.email.lower()
        if email in store.emails:
            raise HTTPException(409, f"a user with email {body.email} already exists")
        user = {**body.model_dump(), "email": email, "id": store.next_user, "created_at": _now()}
        store.next_user += 1
        store.users[user["id"]] = user
        store.emails[email] = user["id"]
        response.headers["Location"] = f"/users/{user['id']}"
        return user

    @app.get("/users/{user_id}", response_model=User, dependencies=auth, responses=not_found, name="get_user")
    async def get_user(user_id: int) -> dict:
        return get_user_or_404(user_id)

    def _update(user: dict, changes: dict) -> dict:
        if "email" in changes and changes["email"] is not None:
            email = changes["email"].lower()
            owner = store.emails.get(email)
            if owner is not None and owner != user["id"]:
                raise HTTPException(409, f"a user with email {changes['email']} already exists")
            del store.emails[user["email"]]
            store.emails[email] = user["id"]
            changes["email"] = email
        user.update(changes)
        return user

    @app.put(
        "/users/{user_id}",
        response_model=User,
        dependencies=auth,
        responses={409: {"model": Problem}, **not_found},
        name="replace_user",
    )
    async def replace_user(user_id: int, body: UserIn) -> dict:
        return _update(get_user_or_404(user_id), body.model_dump())

    @app.patch(
        "/users/{user_id}",
        response_model=User,
        dependencies=auth,
        responses={409: {"model": Problem}, **not_found},
        name="update_user",
    )
    async def update_user(user_id: int, body: UserPatch) -> dict:
        return _update(get_user_or_404(user_id), body.model_dump(exclude_unset=True))

    @app.delete("/users/{user_id}", status_code=204, dependencies=auth, responses=not_found, name="delete_user")
    async def delete_user(user_id: int) -> Response:
        user = get_user_or_404(user_id)
        del store.users[user_id]
        del store.emails[user["email"]]
        for order_id in [o["id"] for o in store.orders.values() if o["user_id"] == user_id]:
            store.orders.pop(order_id)
            store.ship_at.pop(order_id, None)
        return Response(status_code=204)

    def get_order_or_404(order_id: uuid.UUID) -> dict:
        order = store.orders.get(str(order_id))
        if order is None:
            raise HTTPException(404, f"order {order_id} not found")
        return store.order_view(order)

    @app.get("/orders", response_model=OrderPage, dependencies=auth, responses=unauthorised, name="list_orders")
    async def list_orders(
        user_id: int | None = None,
        status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        size: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict:
        orders = [
            store.order_view(o)
            for o in store.orders.values()
            if (user_id is None or o["user_id"] == user_id)
        ]
        orders = [o for o in orders if status_ is None or o["status"] == status_]
        return _page(orders, page, size)

    @app.post(
        "/orders",
        response_model=Order,
        status_code=201,
        dependencies=auth,
        responses=unauthorised,
        name="create_order",
    )
    async def create_order(body: OrderIn, response: Response) -> dict:
        if body.user_id not in store.users:
            # Shaped like FastAPI's own validation errors, as the OpenAPI document says.
            raise HTTPException(422, [{
                "loc": ["body", "user_id"], "msg": f"user {body.user_id} does not exist",
                "type": "value_error", "input": body.user_id,
            }])
        items = [item.model_dump() for item in body.items]
        order = {
            "id": str(uuid.uuid4()),
            "user_id": body.user_id,
            "items": items,
            "total": round(sum(i["quantity"] * i["price"] for i in items), 2),
            "status": "pending",
            "created_at": _now(),
        }
        store.orders[order["id"]] = order
        response.headers["Location"] = f"/orders/{order['id']}"
        return order

    @app.get("/orders/{order_id}", response_model=Order, dependencies=auth, responses=not_found, name="get_order")
    async def get_order(order_id: uuid.UUID) -> dict:
        return get_order_or_404(order_id)

    @app.post(
        "/orders/{order_id}/ship",
        response_model=Order,
        status_code=202,
        dependencies=auth,
        responses={409: {"model": Problem}, **not_found},
        name="ship_order",
    )
    async def ship_order(order_id: uuid.UUID) -> dict:
        order = get_order_or_404(order_id)
        if order["status"] != "pending":
            raise HTTPException(409, f"order {order_id} is {order['status']}, not pending")
        order["status"] = "shipping"
        store.ship_at[order["id"]] = time.monotonic() + SHIP_DELAY_S
        return order

    @app.delete("/orders/{order_id}", status_code=204, dependencies=auth, responses=not_found, name="delete_order")
    async def delete_order(order_id: uuid.UUID) -> Response:
        order = get_order_or_404(order_id)
        del store.orders[order["id"]]
        store.ship_at.pop(order["id"], None)
        return Response(status_code=204)

    return app
