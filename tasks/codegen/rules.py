"""The heuristics as data: column-name patterns and column types -> generators.

Read top to bottom; the first rule whose pattern matches the column name and
whose generator fits the column's type wins. `mapping.py` applies them.
"""

from __future__ import annotations

import re

# (pattern on the lower-case column name, generator, params)
NAME_RULES: list[tuple[str, str, dict]] = [
    (r"(^|_)e_?mail(_?address)?$", "internet.email", {}),
    (r"^(first_?name|given_?name|fname|forename)$", "person.first_name", {}),
    (r"^(last_?name|surname|family_?name|lname)$", "person.last_name", {}),
    (r"^(full_?name|customer_?name|contact_?name|display_?name|person_?name)$", "person.full_name", {}),
    (r"(user_?name|login|handle|nick_?name|screen_?name)$", "person.username", {}),
    (r"(phone|mobile|telephone|^tel$|fax|cell)", "person.phone", {}),
    (r"(^gender$|^sex$)", "person.gender", {}),
    (r"(birth|^dob$|birthday)", "person.birth_date", {}),
    (r"^age$", "person.age", {}),
    (r"(company|employer|organi[sz]ation|^org_?name$|vendor|supplier|manufacturer)", "company.name", {}),
    (r"(^job|job_?title|occupation|^position$|profession)", "company.job", {}),
    (r"department", "company.department", {}),
    (r"(street|address_?line|address_?1|^address$|shipping_?address|billing_?address)", "address.street", {}),
    (r"(^city$|_city$|^town$)", "address.city", {}),
    (r"(^state$|province|prefecture|^region$)", "address.state", {}),
    (r"(zip|postal|post_?code)", "address.postcode", {}),
    (r"(country_?code|country_?iso|iso_?country)", "address.country_code", {}),
    (r"country", "address.country", {}),
    (r"(^lat$|latitude)", "address.latitude", {}),
    (r"(^lng$|^lon$|^long$|longitude)", "address.longitude", {}),
    (r"(url|website|homepage|web_?site|link)$", "internet.url", {}),
    (r"(domain|host_?name)$", "internet.domain", {}),
    (r"ipv6", "internet.ipv6", {}),
    (r"(^ip$|_ip$|ip_?addr|ipv4)", "internet.ipv4", {}),
    (r"(^mac$|mac_?addr)", "internet.mac_address", {}),
    (r"user_?agent", "internet.user_agent", {}),
    (r"port$", "internet.port", {}),
    (r"(status_?code|http_?status)", "internet.http_status", {}),
    (r"(card_?number|credit_?card|cc_?num|^pan$)", "finance.credit_card", {}),
    (r"iban", "finance.iban", {}),
    (r"(^bic$|swift)", "finance.bic", {}),
    (r"account_?(number|no|num)", "finance.account_number", {}),
    (r"currency", "finance.currency_code", {}),
    (r"(price|amount|cost|total|subtotal|fee|balance|salary|revenue|payment)", "finance.price", {}),
    (r"(quantity|^qty$|_qty$|units|line_?no|line_?number)", "numeric.quantity", {}),
    (r"(percent|pct|_ratio$|discount)", "numeric.percentage", {}),
    (r"(^sku$|_sku$|product_?code|item_?code|part_?number)", "text.pattern", {"pattern": "SKU-####-??"}),
    (r"(ean|barcode|gtin|upc)", "id.ean13", {}),
    (r"isbn", "id.isbn13", {}),
    (r"(description|comment|notes?$|^bio$|summary|review|^body$|content|message|remarks?)", "text.paragraph", {}),
    (r"(^title$|subject|headline|product_?name|item_?name|label)", "text.words", {"count": 3}),
    (r"slug", "text.slug", {}),
    (r"(hash|checksum|digest|token|sha\d*$|secret)", "text.hex", {}),
    (r"colou?r", "choice.color", {}),
    (r"(uuid|guid)", "id.uuid4", {}),
    (r"(^year$|_year$)", "temporal.year", {}),
    (r"(shipped|delivered|completed|closed|paid|ended|resolved|returned)(_?(at|on|date|time))?$",
     "temporal.datetime_after", {}),
    (r"(created|updated|modified|deleted|signup|signed_?up|registered|ordered|placed|last_?login|"
     r"timestamp|_at$|_time$)", "temporal.datetime", {}),
    (r"(date|_on$|^day$)", "temporal.date", {}),
    (r"(^is_|^has_|^can_|active|enabled|verified|deleted|^flag|subscribed|opt_?in)", "numeric.boolean", {}),
    (r"(points|score|rating|stock|inventory|views|visits|clicks|likes|count$)", "numeric.integer",
     {"distribution": "lognormal"}),
]

# (pattern on the table name, pattern on the column name, generator, params): rules that
# need the table to decide, checked before NAME_RULES ("name" of a customer vs a product).
TABLE_RULES: list[tuple[str, str, str, dict]] = [
    (r"(customer|user|person|people|employee|staff|member|contact|author|student|patient|client|"
     r"owner|driver|passenger|guest)", r"^name$", "person.full_name", {}),
    (r"(compan|vendor|supplier|organi[sz]ation|merchant|brand|manufacturer|shop|store|bank)",
     r"^name$", "company.name", {}),
    (r".", r"^name$", "text.words", {"count": 2}),
]

# Columns that "happen after" these, in this preference order (date_after/datetime_after).
EVENT_ANCHORS = ("ordered", "placed", "created", "signup", "registered", "start", "opened", "date")

# column type -> (generator, params, how): what a column gets when no rule knows it.
TYPE_DEFAULTS: dict[str, tuple[str, dict, str]] = {
    "string": ("text.string", {}, "fallback"),
    "integer": ("numeric.integer", {"min": 0, "max": 1_000_000}, "fallback"),
    "float": ("numeric.float", {"min": 0, "max": 1000}, "fallback"),
    "decimal": ("numeric.decimal", {"min": 0, "max": 1000}, "fallback"),
    "boolean": ("numeric.boolean", {}, "heuristic"),
    "date": ("temporal.date", {}, "heuristic"),
    "datetime": ("temporal.datetime", {}, "heuristic"),
    "time": ("temporal.time", {}, "heuristic"),
    "uuid": ("id.uuid4", {}, "heuristic"),
    "json": ("choice.constant", {"values": ["{}"]}, "fallback"),
    "binary": ("text.hex", {"length": 32}, "fallback"),
}

# JSON Schema `format` -> generator
FORMATS: dict[str, str] = {
    "email": "internet.email", "idn-email": "internet.email", "uuid": "id.uuid4",
    "uri": "internet.url", "url": "internet.url", "iri": "internet.url", "ipv4": "internet.ipv4",
    "ipv6": "internet.ipv6", "hostname": "internet.domain", "idn-hostname": "internet.domain",
    "date": "temporal.date", "date-time": "temporal.datetime", "time": "temporal.time",
}

# Keys of the primary key by column type (they must be re-derivable for children).
KEY_GENERATORS: dict[str, str] = {"integer": "id.sequence", "uuid": "id.uuid4", "string": "id.code"}

# Unique columns whose generator cannot be unique get one of these instead.
UNIQUE_GENERATORS: dict[str, str] = {
    "integer": "id.unique_int", "uuid": "id.uuid4", "string": "id.code", "decimal": "id.unique_int",
}

_CLASSES = [
    (r"\[0-9\]|\\d", "#"), (r"\[1-9\]", "%"), (r"\[A-Z\]", "?"), (r"\[a-z\]", "&"),
    (r"\[A-Za-z\]|\[a-zA-Z\]", "?"), (r"\[A-Z0-9\]|\[0-9A-Z\]", "*"),
    (r"\[0-9a-f\]|\[a-f0-9\]|\[0-9a-fA-F\]", "^"),
]
_TOKEN = re.compile("|".join(f"(?:{c})" for c, _ in _CLASSES) + r"|\\.|.")
_QUANT = re.compile(r"\{(\d+)(?:,(\d*))?\}|[+?*]")


def regex_to_pattern(regex: str) -> str | None:
    """A qaflow pattern (# digit, ? letter ...) for a simple regex, or None when it is not simple.

    `^SKU-[0-9]{4}-[A-Z]{2}$` -> `SKU-####-??`. Groups, alternation and open
    classes are not simple: the caller falls back to a string of the right length.
    """
    body = regex.removeprefix("^").removesuffix("$")
    if any(ch in body for ch in "()|") or not body:
        return None
    out: list[str] = []
    pos = 0
    while pos < len(body):
        match = _TOKEN.match(body, pos)
        token = match.group(0)
        pos = match.end()
        symbol = next((s for c, s in _CLASSES if re.fullmatch(c, token)), None)
        if symbol is not None:
            pass
        elif token.startswith("["):
            return None
        elif token.startswith("\\"):
            symbol = "\\" + token[1] if token[1] in "#%$?*^&\\" else token[1]
        elif token in ".+*?{}[]":
            return None
        elif token in "#%$?*^&":
            symbol = "\\" + token
        else:
            symbol = token
        quant = _QUANT.match(body, pos)
        count = 1
        if quant:
            pos = quant.end()
            text = quant.group(0)
            if text == "*" or text == "?":
                count = 0 if text == "*" else 1
            elif text == "+":
                count = 1
            else:
                count = int(quant.group(1))
        out.append(symbol * count)
    return "".join(out)
