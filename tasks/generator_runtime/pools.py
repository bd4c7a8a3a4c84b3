"""Value pools: Faker asked once per locale for realistic names, streets, companies...

Rows are drawn from these pools with numpy, so Faker is never called per row.
A pool group is filled once and pickled under a cache folder (QAFLOW_HOME/pools
by default) to spare the Faker import on later runs; without the cache it is
simply rebuilt. This module is copied into every rendered generator module, so
it imports only the standard library and the kernel at top level (Faker lazily).
"""

from __future__ import annotations

import os
import pickle
import re
import unicodedata
from importlib.metadata import version as _dist_version
from pathlib import Path

from tasks.generator_runtime.kernel import str_array

POOLS_VERSION = 1
POOL_SEED = 20261125

# Revised Romanization of Hangul syllables (initial, medial, final jamo), for ASCII
# user names and e-mail addresses of Korean names.
_HANGUL_INITIAL = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "-", "j", "jj", "ch", "k", "t", "p", "h"]
_HANGUL_MEDIAL = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"]
_HANGUL_FINAL = ["-", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]


def romanize_hangul(text: str) -> str:
    """Latin letters for Hangul syllables (other characters pass through)."""
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            parts = (_HANGUL_INITIAL[code // 588], _HANGUL_MEDIAL[(code % 588) // 28], _HANGUL_FINAL[code % 28])
            out.append("".join(p for p in parts if p != "-"))
        else:
            out.append(ch)
    return "".join(out)


def slug(text: str) -> str:
    """Lowercase ASCII letters and digits for a name (for e-mails and user names)."""
    text = romanize_hangul(text).replace("ß", "ss")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower()) or "user"


def _unique(values) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values))


def _sample(fake, method: str, count: int) -> list[str]:
    fn = getattr(fake, method)
    return _unique(fn() for _ in range(count))


def _provider_attr(fake, attr: str):
    for provider in fake.get_providers():
        if hasattr(provider, attr):
            return getattr(provider, attr)
    return None


def _shapes(values: list[str]) -> list[str]:
    """Digit patterns of sample values ("04109" -> "#####"), for vectorised re-generation."""
    return _unique(re.sub(r"\d", "#", v) for v in values)


def _names(fake) -> dict[str, list[str]]:
    first_pairs = _provider_attr(fake, "first_name_pairs")
    last_pairs = _provider_attr(fake, "last_name_pairs")
    if first_pairs and last_pairs:  # ja_JP: kanji names with their romanized reading
        firsts = list(dict.fromkeys((p[0], p[2]) for p in first_pairs))
        lasts = list(dict.fromkeys((p[0], p[2]) for p in last_pairs))
    else:
        firsts = [(v, slug(v)) for v in _sample(fake, "first_name", 4000)]
        lasts = [(v, slug(v)) for v in _sample(fake, "last_name", 4000)]
    return {
        "first_name": [f for f, _ in firsts],
        "first_name_slug": [slug(s) for _, s in firsts],
        "last_name": [f for f, _ in lasts],
        "last_name_slug": [slug(s) for _, s in lasts],
    }


def _address(fake) -> dict[str, list[str]]:
    state_method = next(m for m in ("state", "province", "prefecture", "administrative_unit", "city")
                        if hasattr(fake, m))
    return {
        "street_address": _sample(fake, "street_address", 6000),
        "city": _sample(fake, "city", 3000),
        "state": _sample(fake, state_method, 500),
        "postcode_format": _shapes(_sample(fake, "postcode", 300)),
        "country": _sample(fake, "country", 1500),
        "country_code": _sample(fake, "country_code", 2000),
    }


def _phone(fake) -> dict[str, list[str]]:
    formats: list[str] | None = None
    for provider in fake.get_providers():
        if type(provider).__module__.startswith("faker.providers.phone_number") and hasattr(provider, "formats"):
            formats = [f for f in provider.formats if "{{" not in f]
            break
    if not formats:
        formats = _shapes(_sample(fake, "phone_number", 300))
    # Faker's '!'/'@' (digit or nothing) become plain digits; the kernel knows #, % and $.
    return {"phone_format": [f.replace("!", "#").replace("@", "%") for f in formats]}


def _company(fake) -> dict[str, list[str]]:
    return {"company": _sample(fake, "company", 3000), "job": _sample(fake, "job", 1500)}


def _text(fake) -> dict[str, list[str]]:
    return {
        "word": _sample(fake, "word", 3000),
        "sentence": _sample(fake, "sentence", 3000),
        "paragraph": _sample(fake, "paragraph", 600),
    }


def _internet(fake) -> dict[str, list[str]]:
    return {
        "free_email_domain": _sample(fake, "free_email_domain", 300),
        "domain_name": _sample(fake, "domain_name", 2000),
        "user_agent": _sample(fake, "user_agent", 1500),
        "uri_page": _sample(fake, "uri_page", 300),
    }


def _finance(fake) -> dict[str, list[str]]:
    return {"currency_code": _sample(fake, "currency_code", 1000), "color_name": _sample(fake, "color_name", 500)}


# group -> builder; each builder fills every pool of its group in one Faker session.
GROUPS = {
    "names": _names, "address": _address, "phone": _phone, "company": _company,
    "text": _text, "internet": _internet, "finance": _finance,
}
POOL_GROUP = {
    "first_name": "names", "first_name_slug": "names", "last_name": "names", "last_name_slug": "names",
    "street_address": "address", "city": "address", "state": "address", "postcode_format": "address",
    "country": "address", "country_code": "address",
    "phone_format": "phone", "company": "company", "job": "company",
    "word": "text", "sentence": "text", "paragraph": "text",
    "free_email_domain": "internet", "domain_name": "internet", "user_agent": "internet",
    "uri_page": "internet", "currency_code": "finance", "color_name": "finance",
}


def build_group(group: str, locale: str) -> dict[str, list[str]]:
    """Fill one pool group with Faker (seeded, so a Faker version always gives the same pools)."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(POOL_SEED)
    return GROUPS[group](fake)


_LOCALE_NAME = re.compile(r"[A-Za-z]{2,3}(_[A-Za-z0-9]{2,4})?")


def _cache_file(cache_dir: Path, group: str, locale: str) -> Path | None:
    """The pickle of one group, or None (no cache) for a locale that is not a plain locale name."""
    if not _LOCALE_NAME.fullmatch(locale):
        return None
    return cache_dir / f"{locale}-{group}-faker{_dist_version('faker')}-v{POOLS_VERSION}.pkl"


def trusted(path: Path, *, folder: bool = False) -> bool:
    """A cache file (or folder) this user owns and nobody else can write, and no link: what it
    holds is acted on unchecked (unpickling runs what a pickle says; tasks/codegen/checked.py
    skips a module's check for a marker)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)
    mine = getuid is None or info.st_uid == getuid()
    kind_ok = path.is_dir() if folder else path.is_file()
    return kind_ok and not path.is_symlink() and mine and not info.st_mode & 0o022


def load_group(group: str, locale: str, cache_dir: str | os.PathLike | None) -> dict[str, list[str]]:
    """One pool group: from the pickle cache when present (and trusted), else built and cached."""
    path = _cache_file(Path(cache_dir), group, locale) if cache_dir else None
    if path is not None and trusted(path):
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError):
            pass  # a damaged cache is rebuilt below
    data = build_group(group, locale)
    if path is not None:
        # Its own small rename, not tasks.files: this code runs pasted into standalone modules that cannot
        # import qaflow. A cache needs no fsync: a file lost to a crash is rebuilt next time.
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass  # an unwritable cache only costs time
    return data


class Pools:
    """The pools of one locale, filled lazily by group and kept as Arrow string arrays."""

    def __init__(self, locale: str, cache_dir: str | os.PathLike | None = None) -> None:
        self.locale = locale
        self.cache_dir = cache_dir
        self._arrays: dict = {}
        self._lists: dict[str, list[str]] = {}

    def values(self, name: str) -> list[str]:
        """The pool as Python strings (small pools such as formats)."""
        if name not in self._lists:
            if name not in POOL_GROUP:
                raise KeyError(f"unknown value pool {name!r}")
            self._lists.update(load_group(POOL_GROUP[name], self.locale, self.cache_dir))
        return self._lists[name]

    def get(self, name: str):
        """The pool as an Arrow StringArray, for vectorised `take`."""
        if name not in self._arrays:
            self._arrays[name] = str_array(self.values(name))
        return self._arrays[name]
