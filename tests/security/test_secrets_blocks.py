"""Secrets in blocks stay masked wherever Prefect shows them.

The attack: save a TargetAPI whose token sits inside a dict of auth profiles
(and a VectorStore whose token is a header value), then read the block
document back as the UI does, through a real Prefect API: the client's
`read_block_document(include_secrets=False)`, raw HTTP GET
`/block_documents/{id}` and the `/block_documents/filter` listing. No secret
may come back; `Block.load` in code must still give the real values.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL
from pydantic import SecretStr

from blocks import LLMEndpoint, VectorStore
from blocks.target_api import AuthProfile, TargetAPI

pytestmark = pytest.mark.usefixtures("prefect_api")

TOKEN = "tok-" + uuid.uuid4().hex
PASSWORD = "pw-" + uuid.uuid4().hex
API_KEY = "key-" + uuid.uuid4().hex
VARIABLE = "var-" + uuid.uuid4().hex
CHROMA = "chroma-" + uuid.uuid4().hex
LLM_KEY = "sk-" + uuid.uuid4().hex
SECRETS = (TOKEN, PASSWORD, API_KEY, VARIABLE, CHROMA, LLM_KEY)


def _documents_over_http(block_id: uuid.UUID, slug: str) -> list[str]:
    """What the UI's API calls answer, as raw text."""
    api = PREFECT_API_URL.value().rstrip("/")
    with httpx.Client(timeout=30) as client:
        one = client.get(f"{api}/block_documents/{block_id}", params={"include_secrets": "false"})
        default = client.get(f"{api}/block_documents/{block_id}")  # the UI passes nothing
        listing = client.post(f"{api}/block_documents/filter", json={
            "block_types": {"slug": {"any_": [slug]}}, "include_secrets": False})
    for reply in (one, default, listing):
        assert reply.status_code == 200, reply.text
    return [one.text, default.text, listing.text]


def _read_with_client(block_id: uuid.UUID) -> dict:
    async def read() -> dict:
        async with get_client() as client:
            document = await client.read_block_document(block_id, include_secrets=False)
            return document.data

    return asyncio.run(read())


def _assert_clean(texts: list[str], *secrets: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"secret {secret[:8]}... in {text[:300]}"


def test_target_api_profile_tokens_are_masked_by_the_block_documents_api() -> None:
    name = "sec-" + uuid.uuid4().hex[:8]
    block = TargetAPI(
        base_url="http://127.0.0.1:8999",
        headers={"Accept": "application/json"},
        auth_profiles={
            "admin": AuthProfile(kind="bearer", token=SecretStr(TOKEN)),
            "ops": AuthProfile(kind="basic", username="ops", password=SecretStr(PASSWORD)),
            "robot": AuthProfile(kind="api_key", header="X-Robot-Key", key=SecretStr(API_KEY)),
        },
        secret_variables={"apiKey": SecretStr(VARIABLE)},
    )
    block_id = block.save(name)
    basic = block.auth_profiles["ops"].headers()["Authorization"].split()[1]

    data = _read_with_client(block_id)
    texts = [json.dumps(data), *_documents_over_http(block_id, "qaflow-target-api")]
    _assert_clean(texts, TOKEN, PASSWORD, API_KEY, VARIABLE, basic)
    # masked, not dropped: the profiles are still there, and non-secret fields read as before
    assert set(data["auth_profiles"]) == {"admin", "ops", "robot"}
    assert data["auth_profiles"]["admin"]["token"] == "********"
    assert data["headers"] == {"Accept": "application/json"} and data["base_url"] == "http://127.0.0.1:8999"

    loaded = TargetAPI.load(name)  # code that needs the secret still gets it
    assert loaded.auth_profiles["admin"].headers() == {"Authorization": f"Bearer {TOKEN}"}
    assert loaded.auth_profiles["ops"].password.get_secret_value() == PASSWORD
    assert loaded.auth_profiles["robot"].headers() == {"X-Robot-Key": API_KEY}
    assert loaded.secret_variable_values() == {"apiKey": VARIABLE}
    assert loaded.auth_profiles["ops"].username == "ops" and loaded.auth_profiles["robot"].kind == "api_key"


def test_vector_store_headers_and_llm_key_are_masked() -> None:
    name = "sec-" + uuid.uuid4().hex[:8]
    store_id = VectorStore(mode="server", host="127.0.0.1", headers={"X-Chroma-Token": SecretStr(CHROMA)}).save(name)
    llm_id = LLMEndpoint(provider="openai-compatible", base_url="http://127.0.0.1:9/v1",
                         api_key=SecretStr(LLM_KEY)).save(name)

    texts = [json.dumps(_read_with_client(store_id)), json.dumps(_read_with_client(llm_id)),
             *_documents_over_http(store_id, "qaflow-vector-store"),
             *_documents_over_http(llm_id, "qaflow-llm-endpoint")]
    _assert_clean(texts, CHROMA, LLM_KEY)

    assert VectorStore.load(name).headers["X-Chroma-Token"].get_secret_value() == CHROMA
    assert LLMEndpoint.load(name).api_key.get_secret_value() == LLM_KEY


def test_every_secret_of_every_block_is_in_its_schema_secret_fields() -> None:
    """What the server masks is decided by `secret_fields`: each path must reach real data."""
    assert TargetAPI.model_json_schema()["secret_fields"] == ["auth_profiles.*", "secret_variables.*"]
    assert VectorStore.model_json_schema()["secret_fields"] == ["headers.*"]
    assert LLMEndpoint.model_json_schema()["secret_fields"] == ["api_key"]


def test_no_block_has_a_secret_field_the_schema_leaves_out() -> None:
    """Any qaflow block, now or later: a field holding a secret at any depth is masked."""
    import blocks
    from blocks.base import QaflowBlock, _holds_secret

    classes = [c for c in vars(blocks).values() if isinstance(c, type) and issubclass(c, QaflowBlock)
               and c is not QaflowBlock]
    assert TargetAPI in classes and len(classes) >= 3
    for block_type in classes:
        secret_fields = block_type.model_json_schema()["secret_fields"]
        for name, info in block_type.model_fields.items():
            if _holds_secret(info.annotation):
                assert any(f == name or f.startswith(name + ".") for f in secret_fields), (block_type, name)


def test_a_credential_header_in_plain_block_headers_is_refused() -> None:
    with pytest.raises(ValueError, match="auth profile"):
        TargetAPI(headers={"Authorization": "Bearer " + TOKEN})


@pytest.mark.parametrize("make", [
    lambda: TargetAPI(base_url=f"http://admin:{PASSWORD}@127.0.0.1:8000"),
    lambda: TargetAPI(base_url=f"https://api.example.com/v1?access_token={TOKEN}"),
    lambda: LLMEndpoint(base_url=f"https://llm.example.com/v1?api-key={LLM_KEY}"),
    lambda: TargetAPI.resolve("", base_url=f"http://u:{PASSWORD}@127.0.0.1"),  # a --base-url override too
])
def test_a_url_field_carrying_a_credential_is_refused(make) -> None:
    with pytest.raises(ValueError, match="credential") as caught:
        make()
    for secret in SECRETS:
        assert secret not in str(caught.value).split("input_value")[0]
