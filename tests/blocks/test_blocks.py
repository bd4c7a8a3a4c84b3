"""The three blocks: defaults from the environment, per-run overrides, and a real
save/load round-trip through the Prefect API with secrets kept secret."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from blocks import AuthProfile, LLMEndpoint, TargetAPI, VectorStore

ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "QAFLOW_LLM_MODEL",
    "QAFLOW_LLM_PROVIDER",
    "QAFLOW_TARGET_BASE_URL",
    "QAFLOW_CHROMA_PATH",
    "QAFLOW_CHROMA_HOST",
    "QAFLOW_CHROMA_PORT",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


# -- from_env ------------------------------------------------------------------------


def test_llm_endpoint_is_offline_without_configuration() -> None:
    endpoint = LLMEndpoint.from_env()
    assert endpoint.offline and endpoint.api_key is None
    assert endpoint.describe() == "offline provider"


def test_llm_endpoint_from_openai_env_vars(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OPENAI_API_KEY", "sk-from-env")
    clean_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    clean_env.setenv("QAFLOW_LLM_MODEL", "llama3.2")
    endpoint = LLMEndpoint.from_env()
    assert endpoint.provider == "openai-compatible" and not endpoint.offline
    assert endpoint.base_url == "http://127.0.0.1:11434/v1"
    assert endpoint.model == "llama3.2"
    assert endpoint.api_key is not None and endpoint.api_key.get_secret_value() == "sk-from-env"
    assert "sk-from-env" not in endpoint.describe()
    assert "llama3.2" in endpoint.describe() and "11434" in endpoint.describe()


def test_llm_base_url_alone_enables_a_local_server(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1234/v1")
    assert LLMEndpoint.from_env().provider == "openai-compatible"


def test_llm_provider_env_var_wins(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OPENAI_API_KEY", "sk-from-env")
    clean_env.setenv("QAFLOW_LLM_PROVIDER", "offline")
    assert LLMEndpoint.from_env().offline


def test_vector_store_from_env(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    default = VectorStore.from_env()
    assert default.mode == "embedded" and default.path is None
    clean_env.setenv("QAFLOW_CHROMA_PATH", str(tmp_path / "chroma"))
    assert VectorStore.from_env().local_path() == (tmp_path / "chroma").resolve()
    clean_env.setenv("QAFLOW_CHROMA_HOST", "chroma.internal")
    clean_env.setenv("QAFLOW_CHROMA_PORT", "8123")
    server = VectorStore.from_env()
    assert (server.mode, server.host, server.port) == ("server", "chroma.internal", 8123)
    assert server.describe() == "http://chroma.internal:8123 [qaflow-docs]"


def test_target_api_from_env(clean_env: pytest.MonkeyPatch) -> None:
    assert TargetAPI.from_env().base_url == "http://127.0.0.1:8000"
    clean_env.setenv("QAFLOW_TARGET_BASE_URL", "https://api.example.test:8443/v2")
    target = TargetAPI.from_env()
    assert target.base_url == "https://api.example.test:8443/v2"
    assert target.origins() == {"https://api.example.test:8443"}


# -- resolve without a saved block ---------------------------------------------------


def test_resolve_overrides_apply_and_none_is_ignored(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("QAFLOW_LLM_MODEL", "from-env")
    endpoint = LLMEndpoint.resolve(None, model=None, temperature=0.7, max_retries=None)
    assert endpoint.model == "from-env"  # None overrides nothing
    assert endpoint.temperature == 0.7
    assert endpoint.max_retries == LLMEndpoint().max_retries


def test_resolve_overrides_are_validated() -> None:
    with pytest.raises(ValidationError):
        LLMEndpoint.resolve(None, temperature=5)
    with pytest.raises(ValidationError):
        VectorStore.resolve(None, collection="x")  # Chroma needs 3+ characters


def test_target_api_auth_profiles_and_secret_values() -> None:
    target = TargetAPI(
        allowed_hosts=["other.test"],
        auth_profiles={
            "admin": AuthProfile(kind="bearer", token=SecretStr("tok-1")),
            "basic": AuthProfile(kind="basic", username="u", password=SecretStr("pw-2")),
            "key": AuthProfile(kind="api_key", header="X-Key", key=SecretStr("key-3")),
        },
    )
    assert target.auth_profiles["admin"].headers() == {"Authorization": "Bearer tok-1"}
    assert target.auth_profiles["basic"].headers() == {"Authorization": "Basic dTpwdy0y"}
    assert target.auth_profiles["key"].headers() == {"X-Key": "key-3"}
    # the base64 form of basic auth is a secret too: an API that echoes the header must not leak it
    assert sorted(target.secret_values()) == ["dTpwdy0y", "key-3", "pw-2", "tok-1"]
    # an entry without a scheme takes the base URL's, without a port the scheme's default
    assert target.origins() == {"http://other.test", "http://127.0.0.1:8000"}


# -- saved blocks through the real Prefect API ---------------------------------------


def _name() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def _assert_no_secret(dumped: dict, *secrets: str) -> None:
    text = json.dumps(dumped)
    for secret in secrets:
        assert secret not in text


@pytest.mark.usefixtures("prefect_api")
def test_llm_endpoint_save_load_resolve_round_trip(clean_env: pytest.MonkeyPatch) -> None:
    name = _name()
    LLMEndpoint(
        provider="openai-compatible",
        base_url="http://127.0.0.1:8001/v1",
        model="saved-model",
        api_key=SecretStr("sk-saved-secret"),
        max_retries=1,
    ).save(name)

    loaded = LLMEndpoint.load(name)
    assert (loaded.provider, loaded.model, loaded.max_retries) == (
        "openai-compatible",
        "saved-model",
        1,
    )
    assert loaded.api_key is not None and loaded.api_key.get_secret_value() == "sk-saved-secret"
    _assert_no_secret(loaded.model_dump(mode="json"), "sk-saved-secret")

    clean_env.setenv("QAFLOW_LLM_MODEL", "env-model")  # a saved block wins over env defaults
    resolved = LLMEndpoint.resolve(name, model="flag-model", base_url=None)
    assert resolved.model == "flag-model"
    assert resolved.base_url == "http://127.0.0.1:8001/v1"
    assert resolved.api_key is not None and resolved.api_key.get_secret_value() == "sk-saved-secret"

    missing = LLMEndpoint.resolve(_name())  # nothing saved under that name: env defaults
    assert missing.model == "env-model" and missing.offline


@pytest.mark.usefixtures("prefect_api")
def test_vector_store_save_load_resolve_round_trip() -> None:
    name = _name()
    VectorStore(
        mode="server",
        host="127.0.0.1",
        port=8555,
        headers={"X-Chroma-Token": SecretStr("chroma-secret")},
        collection="saved-docs",
    ).save(name)

    loaded = VectorStore.load(name)
    assert (loaded.mode, loaded.host, loaded.port, loaded.collection) == (
        "server",
        "127.0.0.1",
        8555,
        "saved-docs",
    )
    assert loaded.headers["X-Chroma-Token"].get_secret_value() == "chroma-secret"
    _assert_no_secret(loaded.model_dump(mode="json"), "chroma-secret")

    resolved = VectorStore.resolve(name, port=9000)
    assert resolved.port == 9000 and resolved.host == "127.0.0.1"
    assert resolved.headers["X-Chroma-Token"].get_secret_value() == "chroma-secret"


@pytest.mark.usefixtures("prefect_api")
def test_target_api_save_load_resolve_round_trip() -> None:
    name = _name()
    TargetAPI(
        base_url="http://127.0.0.1:8999",
        headers={"Accept": "application/json"},
        auth_profiles={
            "admin": AuthProfile(kind="bearer", token=SecretStr("tok-saved")),
            "ops": AuthProfile(kind="basic", username="ops", password=SecretStr("pw-saved")),
        },
        timeout=3.0,
    ).save(name)

    loaded = TargetAPI.load(name)
    assert loaded.base_url == "http://127.0.0.1:8999" and loaded.timeout == 3.0
    assert loaded.headers == {"Accept": "application/json"}
    basic = loaded.auth_profiles["ops"].headers()["Authorization"].split()[1]
    assert sorted(loaded.secret_values()) == sorted([basic, "pw-saved", "tok-saved"])
    assert loaded.auth_profiles["admin"].headers() == {"Authorization": "Bearer tok-saved"}
    _assert_no_secret(loaded.model_dump(mode="json"), "tok-saved", "pw-saved")

    resolved = TargetAPI.resolve(name, timeout=1.5)
    assert resolved.timeout == 1.5
    assert sorted(resolved.secret_values()) == sorted([basic, "pw-saved", "tok-saved"])
