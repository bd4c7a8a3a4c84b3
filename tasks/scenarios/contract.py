"""The API's own contract for the LLM's prompt: the relevant OpenAPI operations
and the names of the target's auth profiles.

A model that only sees prose guesses paths, fields and the auth profile
(`"default"`). When an OpenAPI document is among the inputs, the operations
that match a requirement (by path segments, operation id, summary and tags
against the requirement's words) go into its prompt, a bounded number and
size, in the document's order, so the prompt (and the answer cache key) is
the same on every run. The auth profile names are listed as they are; their
secrets never leave the target block.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.requirements.model import Requirement, RequirementError

log = logging.getLogger(__name__)

MAX_OPERATIONS = 8
MAX_CHARS = 4000
_METHODS = ("get", "put", "post", "delete", "patch")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "is", "be", "can",
         "should", "must", "it", "its", "as", "at", "id", "api", "v1", "v2", "when", "then", "given"}


@dataclass(frozen=True)
class Operation:
    """One operation as a prompt line: method, path, id, summary, fields, statuses."""

    method: str
    path: str
    operation_id: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def words(self) -> set[str]:
        text = " ".join([self.path, _split_camel(self.operation_id), self.summary, *self.tags])
        return _words(text)

    def line(self) -> str:
        parts = [f"{self.method.upper()} {self.path}"]
        if self.operation_id:
            parts.append(f"operationId {self.operation_id}")
        if self.summary:
            parts.append(self.summary[:160])
        if self.fields:
            parts.append("body fields: " + ", ".join(self.fields[:20]))
        if self.statuses:
            parts.append("responses: " + ", ".join(self.statuses[:10]))
        return "- " + "; ".join(parts)


@dataclass
class ApiContract:
    """What the prompt may say about the API: its operations and auth profile names."""

    operations: list[Operation] = field(default_factory=list)
    auth_profiles: list[str] = field(default_factory=list)

    def relevant(self, requirement: Requirement) -> list[Operation]:
        """The operations that share words with the requirement, best first (ties: document order)."""
        wanted = _words(" ".join([requirement.title, requirement.text, *requirement.acceptance_criteria]))
        scored = []
        for index, op in enumerate(self.operations):
            score = len(wanted & op.words())
            if score:
                scored.append((-score, index, op))
        chosen, size = [], 0
        for _score, _index, op in sorted(scored)[:MAX_OPERATIONS]:
            size += len(op.line()) + 1
            if size > MAX_CHARS:
                break
            chosen.append(op)
        return chosen

    def prompt_section(self, requirement: Requirement) -> list[str]:
        """Prompt lines for one requirement (empty when there is nothing to say)."""
        lines: list[str] = []
        ops = self.relevant(requirement)
        if ops:
            lines += ["", "API operations from the OpenAPI document (use these paths and fields):"]
            lines += [op.line() for op in ops]
        if self.auth_profiles:
            lines += ["", "Auth profiles of the target (use these names in 'I am authenticated as \"...\"'): "
                      + ", ".join(sorted(self.auth_profiles))]
        return lines


def _split_camel(text: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)


def _words(text: str) -> set[str]:
    words = set()
    for word in _WORD.findall(_split_camel(text).lower()):
        if word in _STOP or len(word) < 3:
            continue
        words.add(word)
        if word.endswith("s") and len(word) > 3:
            words.add(word[:-1])  # users ~ user
    return words


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI 3 document, in document order."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            fields: list[str] = []
            body = (((op.get("requestBody") or {}).get("content") or {}).get("application/json") or {}).get("schema")
            body = _resolve(document, body)
            if isinstance(body, dict):
                required = set(body.get("required") or [])
                fields = [f"{name}{'*' if name in required else ''}" for name in (body.get("properties") or {})]
            summary = str(op.get("summary") or op.get("description") or "").strip()
            found.append(Operation(
                method=method, path=str(path), operation_id=str(op.get("operationId") or ""),
                summary=summary.splitlines()[0] if summary else "",
                tags=tuple(str(t) for t in op.get("tags") or []),
                fields=tuple(fields), statuses=tuple(str(s) for s in (op.get("responses") or {})),
            ))
    return found


def _resolve(document: dict, node: Any, depth: int = 0) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 10:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(target, dict) else {}
        node, depth = target, depth + 1
    return node


def load_contract(paths: list[str | Path], auth_profiles: list[str] | None = None) -> ApiContract:
    """The operations of the OpenAPI documents among `paths` (others are skipped, a broken one is logged)."""
    from tasks.requirements.openapi import load_document, looks_like_openapi

    ops: list[Operation] = []
    for raw in paths:
        path = Path(raw)
        if path.suffix.lower() not in (".json", ".yaml", ".yml") or not (
                looks_like_openapi(path) or _json_openapi(path)):
            continue
        try:
            ops += operations(load_document(path))
        except (RequirementError, OSError, ValueError) as exc:
            log.warning("OpenAPI document %s not used in prompts: %s", path.name, exc)
    return ApiContract(operations=ops, auth_profiles=sorted(set(auth_profiles or [])))


def _json_openapi(path: Path) -> bool:
    """A JSON document whose top-level object names `openapi` (minified JSON included)."""
    if path.suffix.lower() != ".json":
        return False
    try:
        head = path.read_text(encoding="utf-8-sig", errors="replace")[:200]
    except OSError:
        return False
    return bool(re.match(r'\s*\{\s*"(openapi|swagger)"\s*:', head))


SERVED_PATHS = ("openapi.json",)


def served_operations(base_url: str, timeout: float = 3.0) -> list[Operation]:
    """The operations of the OpenAPI document the target serves at a conventional path
    (`<base_url>/openapi.json`), or none (not served, not JSON, not OpenAPI 3: logged).
    Only the target's own origin is asked, without credentials."""
    import httpx

    for name in SERVED_PATHS:
        url = base_url.rstrip("/") + "/" + name
        try:
            response = httpx.get(url, timeout=timeout, follow_redirects=False)
            document = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            log.info("no OpenAPI document at %s for prompts (%s)", url, type(exc).__name__)
            continue
        if isinstance(document, dict) and str(document.get("openapi", "")).startswith("3"):
            found = operations(document)
            log.info("prompts carry the API contract served at %s (%d operations)", url, len(found))
            return found
        log.info("no OpenAPI 3 document at %s for prompts (HTTP %s)", url, response.status_code)
    return []


def contract_from_json(text: str, auth_profiles: list[str] | None = None) -> ApiContract:
    """An `ApiContract` from an OpenAPI document's JSON text (as a target serves it)."""
    return ApiContract(operations=operations(json.loads(text)), auth_profiles=sorted(set(auth_profiles or [])))


def prompt_contract(documents: list[str], target: str, base_url: str | None,
                    auth: dict[str, str] | None) -> ApiContract:
    """What prompts say about the API: the operations of the OpenAPI documents among the
    inputs (else of the one the target serves at /openapi.json) and the target's auth
    profile names. Names only: no credential is read here."""
    from blocks.target_api import TargetAPI

    profiles = set((auth or {}).keys())
    block = None
    try:
        block = TargetAPI.resolve(target or None, base_url=base_url)
        profiles |= set(block.auth_profiles)
    except Exception as exc:  # the target is checked (loudly) before execution; prompts just lack names
        log.info("no auth profile names for prompts: %s", exc)
    contract = load_contract(documents, sorted(profiles))
    if not contract.operations and block is not None and block.base_url:
        contract.operations = served_operations(block.base_url)
    return contract
