"""`$ref` across schema files, resolved offline: never a network request.

A JSON Schema may point into other files (`"$ref": "links.json#/$defs/link"`)
or at another schema's `$id` (`"$ref": "https://example.com/schemas/links"`).
They are found, in this order, among the schema files beside the input and in
the folders given with `--schema-dir`:

1. a file whose `$id` is the reference's URI;
2. the file at the reference's path relative to the input (for a URI under the
   root schema's own `$id`, the part after the root's folder), then that path
   tried in each schema folder, with and without `.json`;
3. a `file:` URI, only when it names a file inside one of those folders.

Resolution uses the `referencing` library (what `jsonschema` itself uses) with
a retrieve function that only reads those local files. Anything else is a
SchemaError that names the reference and the folders searched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlparse

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from tasks.schema.errors import SchemaError

MAX_SCHEMA_BYTES = 8 * 1024 * 1024  # a referenced schema file bigger than this is refused
SCHEMA_SUFFIXES = (".json", ".schema.json", ".yaml", ".yml")
ROOT_URN = "urn:qaflow:root-schema"


class LocalReferences:
    """Looks up `$ref`s of one root schema among local schema files only."""

    def __init__(self, root: dict[str, Any], source: str, schema_dirs: Iterable[str | Path] = ()) -> None:
        self.source = source
        path = Path(source)
        self.root_path = path.resolve() if source != "<string>" and path.is_file() else None
        dirs = [self.root_path.parent] if self.root_path else []
        for folder in schema_dirs:
            folder = Path(folder).expanduser().resolve()
            if not folder.is_dir():
                raise SchemaError(f"--schema-dir {str(folder)!r} is not a folder", file=source)
            if folder not in dirs:
                dirs.append(folder)
        self.dirs = dirs
        root_id = root.get("$id") if isinstance(root.get("$id"), str) else None
        file_uri = self.root_path.as_uri() if self.root_path else None
        self.root_uri = urldefrag(root_id).url if root_id else (file_uri or ROOT_URN)
        resource = Resource.from_contents(root, default_specification=DRAFT202012)
        registry = Registry(retrieve=self._retrieve).with_resource(self.root_uri, resource)
        if file_uri and file_uri != self.root_uri:
            registry = registry.with_resource(file_uri, resource)
        self.registry = registry
        self._ids: dict[str, Path] | None = None
        self.files_read: list[str] = []

    # -- lookups

    def lookup(self, ref: str, base: str | None = None) -> tuple[Any, str]:
        """The schema a reference points at, and the URI of the document it lives in."""
        base = base or self.root_uri
        target = urljoin(base, ref)
        try:
            resolved = self.registry.resolver(base_uri=base).lookup(ref)
        except Unresolvable as error:
            raise SchemaError(self._not_found(ref, target, error), file=self.source) from None
        return resolved.contents, urldefrag(target).url

    def absolute(self, schema: Any, base: str) -> Any:
        """A copy of `schema` whose `$ref`s are absolute URIs (so they resolve from anywhere)."""
        if isinstance(schema, list):
            return [self.absolute(item, base) for item in schema]
        if not isinstance(schema, dict):
            return schema
        if isinstance(schema.get("$id"), str):
            base = urljoin(base, schema["$id"])
        out = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = urljoin(base, value)
            elif key in ("enum", "const", "examples", "default"):
                out[key] = value  # data, not schemas
            else:
                out[key] = self.absolute(value, base)
        return out

    def _not_found(self, ref: str, target: str, error: Exception) -> str:
        folders = ", ".join(str(d) for d in self.dirs) or "none (the schema was not read from a file)"
        why = getattr(error, "__cause__", None)
        detail = f" ({why})" if isinstance(why, SchemaError) or (isinstance(why, LookupError) and str(why) != target
                                                                 and " " in str(why)) else ""
        return (f"reference {ref!r} ({target}) cannot be resolved offline: no schema file with that $id "
                f"or path in the schema folders [{folders}]{detail}; nothing is fetched from the network: "
                "put the file beside the schema or pass --schema-dir")

    # -- the retrieve function: local files only

    def _retrieve(self, uri: str) -> Resource:
        path = self._find(uri)
        if path is None:
            raise LookupError(uri)
        return Resource.from_contents(self._load(path), default_specification=DRAFT202012)

    def _find(self, uri: str) -> Path | None:
        uri = urldefrag(uri).url
        parsed = urlparse(uri)
        candidates: list[str] = []
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if not self._allowed(path):
                raise LookupError(f"{uri} is outside the schema folders")
            if path.is_file():
                return path
            # relative to the schema's own folder: the same relative path in the other schema folders
            candidates.extend(str(path.relative_to(d)) for d in self.dirs if d in path.parents)
            parsed = parsed._replace(path="")
        else:
            by_id = self._index().get(uri.rstrip("#"))
            if by_id is not None:
                return by_id
        if self.root_uri.startswith(("http://", "https://")):
            folder = urljoin(self.root_uri, ".")
            if uri.startswith(folder):
                candidates.append(unquote(uri[len(folder):]))
        if parsed.path:
            candidates.append(unquote(parsed.path).lstrip("/"))
            candidates.append(Path(unquote(parsed.path)).name)
        for rel in dict.fromkeys(c for c in candidates if c):
            for folder in self.dirs:
                for name in (rel, f"{rel}.json", f"{rel}.schema.json"):
                    path = (folder / name).resolve()
                    if self._allowed(path) and path.is_file():
                        return path
        return None

    def _allowed(self, path: Path) -> bool:
        return any(path == d or d in path.parents for d in self.dirs)

    def _index(self) -> dict[str, Path]:
        """`$id` -> file, for the schema files directly in the schema folders (read once)."""
        if self._ids is None:
            self._ids = {}
            for folder in self.dirs:
                for path in sorted(folder.iterdir()):
                    if not path.is_file() or not path.name.lower().endswith(SCHEMA_SUFFIXES):
                        continue
                    if path == self.root_path or path.stat().st_size > MAX_SCHEMA_BYTES:
                        continue
                    try:
                        doc = self._load(path)
                    except SchemaError:
                        continue
                    if isinstance(doc, dict) and isinstance(doc.get("$id"), str):
                        self._ids.setdefault(urldefrag(urljoin(path.as_uri(), doc["$id"])).url.rstrip("#"), path)
        return self._ids

    def _load(self, path: Path) -> Any:
        if path.stat().st_size > MAX_SCHEMA_BYTES:
            raise SchemaError(f"referenced schema is larger than {MAX_SCHEMA_BYTES} bytes", file=str(path))
        text = path.read_text(encoding="utf-8-sig")
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as error:
                raise SchemaError(f"invalid YAML: {error}", file=str(path)) from None
        else:
            try:
                doc = json.loads(text)
            except json.JSONDecodeError as error:
                raise SchemaError(f"invalid JSON: {error.msg}", file=str(path), line=error.lineno,
                                  column=error.colno) from None
        self.files_read.append(str(path))
        return doc
