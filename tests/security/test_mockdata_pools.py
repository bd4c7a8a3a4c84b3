"""A value-pool cache planted by someone else is never unpickled (unpickling runs code).

The pools are pickled under QAFLOW_HOME/pools (or QAFLOW_POOL_CACHE). A pickle
that another user could have written (not ours, or group/world-writable), a
link, or a locale name that is a path is ignored: the pools are rebuilt.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from tasks.generator_runtime.pools import _cache_file, load_group


class Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def plant(path: Path, marker: Path, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(Payload(marker)))
    path.chmod(mode)


def test_a_writable_pickle_in_the_cache_is_not_loaded(tmp_path):
    marker = tmp_path / "MARKER"
    cache = tmp_path / "pools"
    path = _cache_file(cache, "finance", "en_US")
    plant(path, marker, 0o666)
    pools = load_group("finance", "en_US", cache)
    assert not marker.exists()
    assert isinstance(pools, dict) and pools  # rebuilt with Faker
    assert not path.stat().st_mode & 0o022  # ... and cached again, private


def test_a_link_in_the_cache_is_not_followed(tmp_path):
    marker = tmp_path / "MARKER"
    elsewhere = tmp_path / "elsewhere.pkl"
    plant(elsewhere, marker, 0o600)
    cache = tmp_path / "pools"
    cache.mkdir()
    _cache_file(cache, "finance", "en_US").symlink_to(elsewhere)
    load_group("finance", "en_US", cache)
    assert not marker.exists()


def test_a_locale_that_is_a_path_does_not_reach_the_cache(tmp_path):
    assert _cache_file(tmp_path, "finance", "../../x") is None
    assert _cache_file(tmp_path, "finance", "en_US") is not None
    assert _cache_file(tmp_path, "finance", "de") is not None


def test_our_own_private_pickle_is_used(tmp_path):
    cache = tmp_path / "pools"
    path = _cache_file(cache, "finance", "en_US")
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps({"currency_code": ["XTS"]}))
    path.chmod(0o644)
    assert load_group("finance", "en_US", cache) == {"currency_code": ["XTS"]}
