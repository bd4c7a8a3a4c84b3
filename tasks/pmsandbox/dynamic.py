"""Postman's dynamic variables (`{{$guid}}`, `{{$timestamp}}`, `{{$randomFirstName}}`, ...).

Each name is a row of `DYNAMIC`: a function of a Faker instance, as Postman's own
table maps each name to a faker.js call. `{{$guid}}`, `{{$timestamp}}`,
`{{$isoTimestamp}}` and `{{$randomInt}}` need no Faker; the `$random...` family
imports it lazily (about half a second, once per process).

The locale: `en_US` unless a run variable `fakerLocale` (or `locale`) holds one
such as `ko_KR`, or QAFLOW_FAKER_LOCALE is set. A name that is not in the table
is not a dynamic variable (None): the caller reports it as an unknown variable.
"""

from __future__ import annotations

import random
import re
import string
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from tasks.settings import settings

_LOCALE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
_fakers: dict[str, Any] = {}
_lock = threading.Lock()


def _now_iso() -> str:
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _alnum(n: int) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=n))


_IMAGE = "http://placeimg.com/640/480"
_COLOURS = ("red", "green", "blue", "yellow", "purple", "orange", "pink", "black", "white", "grey", "teal",
            "maroon", "navy", "olive", "lime", "cyan", "magenta", "silver", "gold", "indigo", "violet", "turquoise")
_ABBREVIATIONS = ("SQL", "PCI", "JSON", "HTTP", "XML", "SSL", "TCP", "RSS", "SAS", "AGP", "SMTP", "FTP", "EXE", "USB", "GB")
_TRANSACTIONS = ("deposit", "withdrawal", "payment", "invoice")
_DB_TYPES = ("int", "varchar", "text", "date", "timestamp", "boolean", "bigint", "decimal", "uuid", "json")
_DB_COLUMNS = ("id", "title", "name", "email", "password", "token", "group", "category", "status", "createdAt", "updatedAt")
_DB_ENGINES = ("InnoDB", "MyISAM", "MEMORY", "CSV", "ARCHIVE", "BLACKHOLE")
_DB_COLLATIONS = ("utf8_unicode_ci", "utf8_general_ci", "utf8_bin", "ascii_bin", "cp1250_general_ci")
_PROTOCOLS = ("http", "https")

Generator = Callable[[Any], Any]

# name (without the $) -> value from a Faker instance; None means "needs no Faker"
DYNAMIC: dict[str, Generator] = {
    # common
    "guid": lambda f: str(uuid.uuid4()),
    "timestamp": lambda f: str(int(datetime.now(UTC).timestamp())),
    "isoTimestamp": lambda f: _now_iso(),
    "randomUUID": lambda f: str(uuid.uuid4()),
    "randomAlphaNumeric": lambda f: _alnum(1),
    "randomBoolean": lambda f: random.choice(("true", "false")),
    "randomInt": lambda f: str(random.randint(0, 1000)),
    "randomColor": lambda f: random.choice(_COLOURS),
    "randomHexColor": lambda f: "#" + "".join(random.choices("0123456789abcdef", k=6)),
    "randomAbbreviation": lambda f: random.choice(_ABBREVIATIONS),
    # internet and IP addresses
    "randomIP": lambda f: f.ipv4(),
    "randomIPV6": lambda f: f.ipv6(),
    "randomMACAddress": lambda f: f.mac_address(),
    "randomPassword": lambda f: _alnum(15),
    "randomLocale": lambda f: f.language_code(),
    "randomUserAgent": lambda f: f.user_agent(),
    "randomProtocol": lambda f: random.choice(_PROTOCOLS),
    "randomSemver": lambda f: f"{random.randint(0, 9)}.{random.randint(0, 9)}.{random.randint(0, 9)}",
    # names
    "randomFirstName": lambda f: f.first_name(),
    "randomLastName": lambda f: f.last_name(),
    "randomFullName": lambda f: f.name(),
    "randomNamePrefix": lambda f: f.prefix(),
    "randomNameSuffix": lambda f: f.suffix() if hasattr(f, "suffix") else "Jr.",
    # profession
    "randomJobArea": lambda f: f.bs().split()[-1].capitalize(),
    "randomJobDescriptor": lambda f: f.catch_phrase().split()[0].capitalize(),
    "randomJobTitle": lambda f: f.job(),
    "randomJobType": lambda f: f.job().split()[-1].capitalize(),
    # phone, address and location
    "randomPhoneNumber": lambda f: f.phone_number(),
    "randomPhoneNumberExt": lambda f: f"{random.randint(1, 99)}-{f.phone_number()}",
    "randomCity": lambda f: f.city(),
    "randomStreetName": lambda f: f.street_name(),
    "randomStreetAddress": lambda f: f.street_address(),
    "randomCountry": lambda f: f.country(),
    "randomCountryCode": lambda f: f.country_code(),
    "randomLatitude": lambda f: str(f.latitude()),
    "randomLongitude": lambda f: str(f.longitude()),
    # images
    "randomAvatarImage": lambda f: f"https://i.pravatar.cc/{random.randint(50, 300)}",
    "randomImageUrl": lambda f: _IMAGE,
    "randomAbstractImage": lambda f: _IMAGE + "/abstract",
    "randomAnimalsImage": lambda f: _IMAGE + "/animals",
    "randomBusinessImage": lambda f: _IMAGE + "/business",
    "randomCatsImage": lambda f: _IMAGE + "/cats",
    "randomCityImage": lambda f: _IMAGE + "/city",
    "randomFoodImage": lambda f: _IMAGE + "/food",
    "randomNightlifeImage": lambda f: _IMAGE + "/nightlife",
    "randomFashionImage": lambda f: _IMAGE + "/fashion",
    "randomPeopleImage": lambda f: _IMAGE + "/people",
    "randomNatureImage": lambda f: _IMAGE + "/nature",
    "randomSportsImage": lambda f: _IMAGE + "/sports",
    "randomTransportImage": lambda f: _IMAGE + "/transport",
    "randomImageDataUri": lambda f: "data:image/svg+xml;charset=UTF-8,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E",
    # finance
    "randomBankAccount": lambda f: "".join(random.choices(string.digits, k=8)),
    "randomBankAccountName": lambda f: random.choice(("Home Loan Account", "Checking Account", "Savings Account",
                                                       "Money Market Account", "Credit Card Account", "Auto Loan Account")),
    "randomCreditCardMask": lambda f: "".join(random.choices(string.digits, k=4)),
    "randomBankAccountBic": lambda f: f.swift8(),
    "randomBankAccountIban": lambda f: f.iban(),
    "randomTransactionType": lambda f: random.choice(_TRANSACTIONS),
    "randomCurrencyCode": lambda f: f.currency_code(),
    "randomCurrencyName": lambda f: f.currency_name(),
    "randomCurrencySymbol": lambda f: f.currency_symbol(),
    "randomBitcoin": lambda f: "1" + _alnum(33),
    # business
    "randomCompanyName": lambda f: f.company(),
    "randomCompanySuffix": lambda f: f.company_suffix(),
    "randomBs": lambda f: f.bs(),
    "randomBsAdjective": lambda f: f.bs().split()[1],
    "randomBsBuzz": lambda f: f.bs().split()[0],
    "randomBsNoun": lambda f: f.bs().split()[-1],
    # catchphrases
    "randomCatchPhrase": lambda f: f.catch_phrase(),
    "randomCatchPhraseAdjective": lambda f: f.catch_phrase().split()[0],
    "randomCatchPhraseDescriptor": lambda f: f.catch_phrase().split()[1],
    "randomCatchPhraseNoun": lambda f: f.catch_phrase().split()[-1],
    # databases
    "randomDatabaseColumn": lambda f: random.choice(_DB_COLUMNS),
    "randomDatabaseType": lambda f: random.choice(_DB_TYPES),
    "randomDatabaseCollation": lambda f: random.choice(_DB_COLLATIONS),
    "randomDatabaseEngine": lambda f: random.choice(_DB_ENGINES),
    # dates
    "randomDateFuture": lambda f: f.future_datetime().strftime("%a %b %d %Y %H:%M:%S GMT+0000"),
    "randomDatePast": lambda f: f.past_datetime().strftime("%a %b %d %Y %H:%M:%S GMT+0000"),
    "randomDateRecent": lambda f: f.date_time_between("-1d", "now").strftime("%a %b %d %Y %H:%M:%S GMT+0000"),
    "randomWeekday": lambda f: f.day_of_week(),
    "randomMonth": lambda f: f.month_name(),
    # domains, emails and usernames
    "randomDomainName": lambda f: f.domain_name(),
    "randomDomainSuffix": lambda f: f.tld(),
    "randomDomainWord": lambda f: f.domain_word(),
    "randomEmail": lambda f: f.email(),
    "randomExampleEmail": lambda f: f.user_name() + "@example.com",
    "randomUserName": lambda f: f.user_name(),
    "randomUrl": lambda f: f.url().rstrip("/"),
    # files and directories
    "randomFileName": lambda f: f.file_name(),
    "randomFileType": lambda f: f.mime_type().split("/")[0],
    "randomFileExt": lambda f: f.file_extension(),
    "randomCommonFileName": lambda f: f.file_name(category=random.choice(("text", "image", "video"))),
    "randomCommonFileType": lambda f: random.choice(("application", "audio", "image", "text", "video")),
    "randomCommonFileExt": lambda f: random.choice(("pdf", "png", "jpg", "mp4", "txt", "json", "csv")),
    "randomFilePath": lambda f: f.file_path(),
    "randomDirectoryPath": lambda f: f.file_path().rsplit("/", 1)[0],
    "randomMimeType": lambda f: f.mime_type(),
    # stores
    "randomPrice": lambda f: f"{random.uniform(1, 1000):.2f}",
    "randomProduct": lambda f: f.word().capitalize(),
    "randomProductAdjective": lambda f: random.choice(("Small", "Ergonomic", "Rustic", "Intelligent", "Gorgeous",
                                                        "Incredible", "Fantastic", "Practical", "Sleek", "Awesome")),
    "randomProductMaterial": lambda f: random.choice(("Steel", "Wooden", "Concrete", "Plastic", "Cotton", "Granite",
                                                       "Rubber", "Metal", "Soft", "Fresh", "Frozen")),
    "randomProductName": lambda f: f"{f.word().capitalize()} {f.word().capitalize()}",
    "randomDepartment": lambda f: random.choice(("Books", "Movies", "Music", "Games", "Electronics", "Computers",
                                                  "Home", "Garden", "Tools", "Grocery", "Health", "Beauty", "Toys")),
    # grammar and lorem ipsum
    "randomNoun": lambda f: f.word(part_of_speech="noun") if f.locales[0].startswith("en") else f.word(),
    "randomVerb": lambda f: f.word(part_of_speech="verb") if f.locales[0].startswith("en") else f.word(),
    "randomIngverb": lambda f: (f.word(part_of_speech="verb") if f.locales[0].startswith("en") else f.word()) + "ing",
    "randomAdjective": lambda f: f.word(part_of_speech="adjective") if f.locales[0].startswith("en") else f.word(),
    "randomWord": lambda f: f.word(),
    "randomWords": lambda f: " ".join(f.words(random.randint(2, 4))),
    "randomPhrase": lambda f: f.sentence(),
    "randomLoremWord": lambda f: f.word(),
    "randomLoremWords": lambda f: " ".join(f.words(3)),
    "randomLoremSentence": lambda f: f.sentence(),
    "randomLoremSentences": lambda f: " ".join(f.sentences(random.randint(2, 6))),
    "randomLoremParagraph": lambda f: f.paragraph(),
    "randomLoremParagraphs": lambda f: "\n \r".join(f.paragraphs(3)),
    "randomLoremText": lambda f: f.text(),
    "randomLoremSlug": lambda f: "-".join(f.words(3)),
    "randomLoremLines": lambda f: "\n".join(f.sentences(random.randint(1, 5))),
}
_NO_FAKER = {"guid", "timestamp", "isoTimestamp", "randomUUID", "randomAlphaNumeric", "randomBoolean", "randomInt",
             "randomColor", "randomHexColor", "randomAbbreviation", "randomPassword", "randomProtocol", "randomSemver"}


def faker_for(locale: str) -> Any:
    """One Faker per locale for the process (Faker's own generator is safe across threads)."""
    faker = _fakers.get(locale)
    if faker is None:
        with _lock:
            faker = _fakers.get(locale)
            if faker is None:
                from faker import Faker

                try:
                    faker = Faker(locale)
                except AttributeError:  # an unknown locale: Faker says so with an AttributeError
                    raise ValueError(f"unknown Faker locale {locale!r}") from None
                _fakers[locale] = faker
    return faker


def default_locale() -> str:
    """QAFLOW_FAKER_LOCALE, or en_US: read once per run (settings() scans the environment)."""
    value = settings().faker_locale or ""
    return value if _LOCALE.match(value) else "en_US"


def locale_of(variables: Mapping[str, Any] | None, default: str | None = None) -> str:
    """The locale a run asks for: a `fakerLocale`/`locale` variable, else `default`
    (the run's `default_locale()`, read now when not given)."""
    for name in ("fakerLocale", "locale"):
        value = (variables or {}).get(name)
        if isinstance(value, str) and _LOCALE.match(value):
            return value
    return default if default is not None else default_locale()


def is_dynamic(name: str) -> bool:
    """True for a dynamic variable's name, with or without its leading `$`."""
    return name.removeprefix("$") in DYNAMIC


def dynamic_value(name: str, variables: Mapping[str, Any] | None = None, locale: str | None = None) -> str | None:
    """A fresh value of `$name` (the `$` is optional), or None when `name` is not one."""
    key = name.removeprefix("$")
    generate = DYNAMIC.get(key)
    if generate is None:
        return None
    faker = None if key in _NO_FAKER else faker_for(locale or locale_of(variables))
    return str(generate(faker))
