"""The heuristics as data: column-name patterns and column types -> generators.

Read top to bottom; the first rule whose pattern matches the column name and
whose generator fits the column's type wins. `mapping.py` applies them.
"""

from __future__ import annotations

import re

# (column types, pattern on the lower-case column name, generator, params): rules that hold
# for some column types only (an integer "active" flag, an integer price), checked first.
TYPED_RULES: list[tuple[tuple[str, ...], str, str, dict]] = [
    (("integer",), r"(^is_|^has_|^active$|_active$|^enabled$|^verified$|^deleted$|^flag$)", "choice.enum",
     {"values": [1, 0], "weights": [0.9, 0.1]}),
    (("integer",), r"(price|amount|cost|fee|total|subtotal|payment)", "numeric.integer",
     {"min": 1, "max": 1000, "distribution": "lognormal"}),
    (("integer",), r"(salary|income|wage)", "numeric.integer",
     {"min": 20_000, "max": 250_000, "distribution": "lognormal", "mean": 55_000}),
    (("integer", "float", "decimal"), r"((^|_)rating$|(^|_)stars$)", "numeric.integer", {"min": 1, "max": 5}),
    (("integer",), r"(duration|_days$|_nights$|_weeks$)", "numeric.integer",
     {"min": 1, "max": 30, "distribution": "lognormal", "mean": 5}),
    (("integer", "float", "decimal"), r"((^|_)length$|runtime|running_?time|duration_?min|_minutes$)",
     "numeric.integer", {"min": 1, "max": 300, "distribution": "normal", "mean": 110, "sd": 35}),
    (("integer", "float", "decimal"), r"((^|_)(weight|mass)(_?kg)?$)", "numeric.float",
     {"min": 0.1, "max": 100, "distribution": "lognormal", "mean": 5}),
    (("integer", "float", "decimal"), r"((^|_)(height|width|depth)(_?cm)?$)", "numeric.float",
     {"min": 1, "max": 250, "distribution": "lognormal", "mean": 40}),
    (("integer",), r"((^|_)age$|age_?years)", "person.age", {}),
    (("integer",), r"((^|_)(year|yr)$|year_?(built|made|of_?release|released)|release_?year)", "temporal.year",
     {"min": 1950, "max": 2030}),
    (("integer",), r"((^|_)(score|points)$)", "numeric.integer", {"min": 0, "max": 100, "distribution": "normal"}),
    (("integer",), r"((^|_)(stock|inventory|on_?hand|in_?stock)$)", "numeric.integer",
     {"min": 0, "max": 500, "distribution": "lognormal", "mean": 40}),
    (("integer",), r"((^|_)(month)$)", "numeric.integer", {"min": 1, "max": 12}),
    (("integer",), r"((^|_)(day_?of_?month|dom)$)", "numeric.integer", {"min": 1, "max": 28}),
    (("integer",), r"((^|_)(hour)$)", "numeric.integer", {"min": 0, "max": 23}),
    (("integer",), r"((^|_)(version|revision)$)", "numeric.integer",
     {"min": 1, "max": 20, "distribution": "lognormal", "mean": 2}),
    (("integer",), r"((^|_)(priority|level|rank|tier)$)", "numeric.integer", {"min": 1, "max": 5}),
    (("integer",), r"((^|_)(size|capacity|seats)$)", "numeric.integer",
     {"min": 1, "max": 500, "distribution": "lognormal", "mean": 20}),
]

# (pattern on the lower-case column name, generator, params). Locale blocks (e.g. Korean
# column names) go in LOCALE_NAME_RULES below, which mapping checks before this list.
NAME_RULES: list[tuple[str, str, dict]] = [
    (r"(^|_)e_?mail(_?address)?$", "internet.email", {}),
    (r"^(first_?name|given_?name|fname|forename)$", "person.first_name", {}),
    (r"^(last_?name|surname|family_?name|lname)$", "person.last_name", {}),
    (r"^(full_?name|customer_?name|contact_?name|display_?name|person_?name)$", "person.full_name", {}),
    (r"^(composer|artist|author|director|singer|writer|performer|creator|actor|actress|producer|painter|"
     r"photographer|narrator|conductor|lyricist|illustrator|editor|translator|owner|manager|contact|"
     r"reviewer|assignee|reporter)(_?name)?$", "person.full_name", {}),
    (r"(user_?name|login|handle|nick_?name|screen_?name)$", "person.username", {}),
    (r"(password|passwd|^pwd$|pass_?hash|pw_?hash)", "internet.password_hash", {}),
    (r"(phone|mobile|telephone|^tel$|fax|cell)", "person.phone", {}),
    (r"(^gender$|^sex$)", "person.gender", {}),
    (r"(birth|^dob$|birthday)", "person.birth_date", {}),
    (r"^age$", "person.age", {}),
    (r"(company|employer|organi[sz]ation|^org_?name$|vendor|supplier|manufacturer)", "company.name", {}),
    (r"(^job|job_?title|occupation|^position$|profession|^role_?title$)", "company.job", {}),
    (r"department", "company.department", {}),
    (r"(address_?2|address_?line_?2|^line_?2$|apartment|^apt$|^suite$|^unit$)", "address.secondary", {}),
    (r"(street|address_?line|address_?1|^address$|shipping_?address|billing_?address)", "address.street", {}),
    (r"(^city$|_city$|^town$)", "address.city", {}),
    (r"(^state$|_state$|province|prefecture|region$|district|county|^canton$|^land$)", "address.state", {}),
    (r"(zip|postal|post_?code)", "address.postcode", {}),
    (r"(country_?code|country_?iso|iso_?country)", "address.country_code", {}),
    (r"country", "address.country", {}),
    (r"(^lat$|latitude)", "address.latitude", {}),
    (r"(^lng$|^lon$|^long$|longitude)", "address.longitude", {}),
    (r"(url|website|homepage|web_?site|link|uri)$", "internet.url", {}),
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
    (r"(salary|income|wage)", "finance.price", {"min": 20_000, "max": 250_000, "charm": False}),
    (r"(balance|revenue|turnover|budget|credit_?limit)", "finance.price", {"min": 0, "max": 100_000,
                                                                          "charm": False}),
    (r"((^|_)rate$|tax|shipping|freight|deposit|tip)", "finance.price", {"min": 0.99, "max": 25}),
    (r"(price|amount|cost|total|subtotal|fee|payment|charge|refund)", "finance.price", {"min": 0.99, "max": 250}),
    (r"(quantity|^qty$|_qty$|units|line_?no|line_?number)", "numeric.quantity", {}),
    (r"(percent|pct|_ratio$|discount)", "numeric.percentage", {}),
    (r"(^sku$|_sku$|product_?code|item_?code|part_?number)", "text.pattern", {"pattern": "SKU-####-??"}),
    (r"(ean|barcode|gtin|upc)", "id.ean13", {}),
    (r"isbn", "id.isbn13", {}),
    (r"(description|comment|notes?$|^bio$|summary|review|^body$|content|message|remarks?)", "text.paragraph", {}),
    (r"(product_?name|item_?name|^product$|^item$)", "company.product", {}),
    (r"(album|track|song|film|movie|book|game|show|episode|playlist)_?(name|title)$", "media.title", {}),
    (r"(^title$|_title$|headline)", "media.title", {}),
    (r"(subject|label)", "text.words", {"count": 3}),
    (r"genre", "media.genre", {}),
    (r"(^category$|category_?name|^department_?name$)", "company.category", {}),
    (r"(language_?code|lang_?code|^lang$|^locale$)", "media.language_code", {}),
    (r"(language|^tongue$)", "media.language", {}),
    (r"slug", "text.slug", {}),
    (r"(hash|checksum|digest|token|sha\d*$|secret|^salt$)", "text.hex", {}),
    (r"colou?r", "choice.color", {}),
    (r"(uuid|guid)", "id.uuid4", {}),
    (r"(^year$|_year$)", "temporal.year", {"min": 1950, "max": 2030}),
    (r"(shipped|delivered|completed|closed|paid|ended|resolved|returned|return)(_?(at|on|date|time))?$",
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
    (r"(album|track|song|film|movie|book|game|show|episode|playlist|podcast|series|artwork)", r"^(name|title)$",
     "media.title", {}),
    (r"(product|item|goods|article|sku)", r"^(name|title)$", "company.product", {}),
    (r"(category|categories|genre|tag)", r"^(name|title|label)$", "media.genre", {}),
    (r"^(language|lang|languages)$", r"^name$", "media.language", {}),
    (r"(country|countries|nation)", r"^name$", "address.country", {}),
    (r"(city|cities|town)", r"^name$", "address.city", {}),
    (r"(state|province|region|district)", r"^name$", "address.state", {}),
    (r"(department|division|team)", r"^name$", "company.department", {}),
    (r"(employee|staff|worker|personnel)", r"^title$", "company.job", {}),
    (r".", r"^name$", "text.words", {"count": 2}),
]

# Locale-specific column names (e.g. a Korean block: 이름, 주소, 전화번호, 이메일), checked before
# NAME_RULES, same shape: (pattern on the lower-case column name, generator, params).
# ---- column names in other languages: the same kinds of value as the
# English rules, so --locale reaches a column named 이름 as it reaches one named name. Korean mobile
# columns (휴대폰, 휴대전화, 핸드폰) keep the 010- prefix every Korean mobile number has.
LOCALE_NAME_RULES: list[tuple[str, str, dict]] = [
    # Korean
    (r"^(이름|성명|고객명|회원명|성함|담당자명?|대표자명?|작성자|이용자명)$", "person.full_name", {}),
    (r"^(성|성씨)$", "person.last_name", {}),
    (r"(휴대폰|휴대전화|핸드폰|모바일)(번호)?$", "text.pattern", {"pattern": "010-####-####"}),
    (r"(전화번호|연락처|전화|팩스)", "person.phone", {}),
    (r"(이메일|전자우편|메일주소|e메일)", "internet.email", {}),
    (r"(주소|소재지|도로명)", "address.street", {}),
    (r"^(시도|시·도|광역시도|도시|시군구|시·군·구|구군)(명)?$", "address.city", {}),
    (r"(우편번호)", "address.postcode", {}),
    (r"(생년월일|생일)", "person.birth_date", {}),
    (r"^(성별)$", "person.gender", {}),
    (r"^(나이|연령)$", "person.age", {}),
    (r"(회사명?|상호명?|업체명|기관명)$", "company.name", {}),
    # Japanese and Chinese
    (r"^(名前|氏名|姓名|お名前)$", "person.full_name", {}),
    (r"(電話番号|電話|电话|手机)", "person.phone", {}),
    (r"(メール|メールアドレス|电子邮件|邮箱)", "internet.email", {}),
    (r"(住所|地址)", "address.street", {}),
    (r"(郵便番号|邮政编码|邮编)", "address.postcode", {}),
    # German, French, Spanish, Portuguese
    (r"^(vorname|prénom|prenom|nombre|nome)$", "person.first_name", {}),
    (r"^(nachname|familienname|nom|apellidos?|sobrenome)$", "person.last_name", {}),
    (r"^(nom_?complet|nombre_?completo|nome_?completo|vollständiger_?name)$", "person.full_name", {}),
    (r"(telefon|téléphone|telephone|teléfono|telefono|celular|handy|portable)", "person.phone", {}),
    (r"(courriel|correo|e_?mail_?adresse)", "internet.email", {}),
    (r"(straße|strasse|adresse|dirección|direccion|endereço|endereco|rue)", "address.street", {}),
    (r"^(stadt|ville|ciudad|cidade|ort)$", "address.city", {}),
    (r"(postleitzahl|^plz$|code_?postal|código_?postal|codigo_?postal|cep)", "address.postcode", {}),
]

# In-row order by name: (pattern of the later column, patterns of the columns it follows in
# preference order, the gap's generator params). The first earlier column of the same row that
# matches wins: created <= updated, start <= end, rental <= return, issued < expires, ...
ORDER_RULES: list[tuple[str, tuple[str, ...], dict]] = [
    (r"(updated|modified|changed|last_?update|last_?modified|edited)(_?(at|on|date|time|ts))?$",
     (r"creat", r"(^|_)(added|inserted|registered|signup|signed_?up|opened)", r"(^|_)date$"),
     {"min_days": 0, "max_days": 365, "min_seconds": 0, "max_seconds": 365 * 86400}),
    (r"(^|_)(end|finish|stop|until|to|close|closed|ended|finished)(_?(at|on|date|time|ts))?$",
     (r"(^|_)(start|begin|from|open|opened|started|began)",),
     {"min_days": 0, "max_days": 30, "min_seconds": 0, "max_seconds": 30 * 86400}),
    (r"(^|_)(return|returned|due)(_?(at|on|date|time|ts))?$",
     (r"(rent|rental|borrow|loan|checkout|check_?out|issued|order)",),
     {"min_days": 1, "max_days": 10, "min_seconds": 3600, "max_seconds": 10 * 86400}),
    (r"(expire|expires|expiry|expiration|valid_?until|valid_?to)",
     (r"(issue|issued|valid_?from|start|creat|sign)",),
     {"min_days": 30, "max_days": 5 * 365, "min_seconds": 86400, "max_seconds": 5 * 365 * 86400}),
    (r"(shipped|ship|dispatch)(_?(at|on|date|time|ts))?$",
     (r"(order|placed|purchase|paid|creat)",),
     {"min_days": 0, "max_days": 7, "min_seconds": 600, "max_seconds": 7 * 86400}),
    (r"(delivered|delivery|arrived|received)(_?(at|on|date|time|ts))?$",
     (r"(ship|dispatch)", r"(order|placed|purchase|creat)"),
     {"min_days": 0, "max_days": 10, "min_seconds": 3600, "max_seconds": 10 * 86400}),
    (r"(completed|resolved|paid|approved|confirmed|cancel+ed|deleted)(_?(at|on|date|time|ts))?$",
     (r"(order|placed|creat|submitted|request|start|opened)",),
     {"min_days": 0, "max_days": 14, "min_seconds": 60, "max_seconds": 14 * 86400}),
    (r"(last_?login|last_?seen|last_?active|last_?visit)", (r"creat", r"(registered|signup|signed_?up|join)"),
     {"min_days": 0, "max_days": 365, "min_seconds": 0, "max_seconds": 365 * 86400}),
]

# SQL integer types -> (signed range, unsigned range): every integer column stays inside its type.
SQL_INT_RANGES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    **dict.fromkeys(("TINYINT", "INT1"), ((-128, 127), (0, 255))),
    **dict.fromkeys(("SMALLINT", "INT2", "SMALLSERIAL", "SERIAL2"), ((-32768, 32767), (0, 65535))),
    **dict.fromkeys(("MEDIUMINT", "INT3"), ((-8388608, 8388607), (0, 16777215))),
    **dict.fromkeys(("INT", "INTEGER", "INT4", "SERIAL", "SERIAL4"), ((-2**31, 2**31 - 1), (0, 2**32 - 1))),
    **dict.fromkeys(("BIGINT", "INT8", "BIGSERIAL", "SERIAL8"), ((-2**63, 2**63 - 1), (0, 2**63 - 1))),
    "YEAR": ((1901, 2155), (1901, 2155)),
}

# Columns that "happen after" these, in this preference order (date_after/datetime_after).
EVENT_ANCHORS = ("ordered", "placed", "created", "signup", "registered", "start", "opened", "date")

# column type -> (generator, params, how): what a column gets when no rule knows it.
TYPE_DEFAULTS: dict[str, tuple[str, dict, str]] = {
    "string": ("text.string", {}, "fallback"),
    "integer": ("numeric.integer", {"min": 0, "max": 1000, "distribution": "lognormal"}, "fallback"),
    "float": ("numeric.float", {"min": 0, "max": 1000, "distribution": "lognormal"}, "fallback"),
    "decimal": ("numeric.decimal", {"min": 0, "max": 1000, "distribution": "lognormal"}, "fallback"),
    "boolean": ("numeric.boolean", {}, "heuristic"),
    "date": ("temporal.date", {}, "heuristic"),
    "datetime": ("temporal.datetime", {}, "heuristic"),
    "time": ("temporal.time", {}, "heuristic"),
    "uuid": ("id.uuid4", {}, "heuristic"),
    "json": ("document.json", {}, "fallback"),
    "binary": ("binary.bytes", {}, "fallback"),
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
    "date": "id.unique_datetime", "datetime": "id.unique_datetime",
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
