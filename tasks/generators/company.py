"""Companies and jobs from the locale's Faker pools."""

from __future__ import annotations

from tasks.generator_runtime.kernel import join, str_array, take, weighted_draw, weighted_table
from tasks.generators.registry import generator


@generator("company.name", output="string", pools=("company",), low_cardinality=True)
def gen_company(b, p):
    """Company name in the locale's style (GmbH, 주식회사, 株式会社 ...)."""
    pool = b.pool("company")
    return take(pool, b.rng.integers(0, len(pool), b.n))


@generator("company.job", output="string", pools=("job",), low_cardinality=True)
def gen_job(b, p):
    """Job title in the locale's language."""
    pool = b.pool("job")
    return take(pool, b.rng.integers(0, len(pool), b.n))


@generator("company.department", output="string", low_cardinality=True, params={"values": [
    "Engineering", "Sales", "Marketing", "Finance", "Operations", "Support", "HR", "Legal"],
    "weights": [0.3, 0.18, 0.12, 0.08, 0.12, 0.12, 0.05, 0.03]})
def gen_department(b, p):
    """Department from a weighted list."""
    table = weighted_table(p["weights"] or [1.0] * len(p["values"]))
    return take(str_array([str(v) for v in p["values"]]), weighted_draw(b.rng, b.n, table))


def product_words(locale):
    """(adjectives, materials, nouns) of product names in the locale's language (English otherwise)."""
    tables = {
        "en": (["Ergonomic", "Rustic", "Sleek", "Compact", "Handmade", "Practical", "Classic", "Deluxe",
                "Portable", "Smart", "Vintage", "Modern", "Premium", "Lightweight", "Durable", "Organic"],
               ["Steel", "Wooden", "Cotton", "Leather", "Ceramic", "Glass", "Bamboo", "Wool", "Granite",
                "Aluminium", "Linen", "Marble", "Rubber", "Copper"],
               ["Chair", "Table", "Lamp", "Backpack", "Mug", "Notebook", "Headphones", "Kettle", "Watch",
                "Jacket", "Sofa", "Bottle", "Keyboard", "Blender", "Shoes", "Wallet", "Pillow", "Bicycle"]),
        "ko": (["인체공학", "심플", "클래식", "프리미엄", "휴대용", "스마트", "빈티지", "모던", "경량", "튼튼한"],
               ["스틸", "원목", "면", "가죽", "세라믹", "유리", "대나무", "울", "알루미늄", "린넨"],
               ["의자", "테이블", "조명", "백팩", "머그컵", "노트", "헤드폰", "주전자", "시계", "재킷", "소파",
                "텀블러", "키보드", "믹서기", "운동화", "지갑", "베개", "자전거"]),
        "de": (["Ergonomischer", "Rustikaler", "Kompakter", "Klassischer", "Moderner", "Leichter", "Robuster"],
               ["Stahl-", "Holz-", "Baumwoll-", "Leder-", "Keramik-", "Glas-", "Bambus-"],
               ["Stuhl", "Tisch", "Rucksack", "Becher", "Kessel", "Wecker", "Mantel", "Schuh", "Rahmen"]),
    }
    return tables.get(str(locale or "en").split("_")[0].lower()) or tables["en"]


@generator("company.product", output="string", params={"max_length": None}, helpers=(product_words,))
def gen_product(b, p):
    """Product name (Ergonomic Steel Chair / 프리미엄 원목 테이블) in the locale's language."""
    adjectives, materials, nouns = product_words(b.pools.locale)
    parts = [take(str_array(words), b.rng.integers(0, len(words), b.n)) for words in (adjectives, materials, nouns)]
    sep = "" if str(b.pools.locale).startswith("de") else " "
    names = join([join(parts[:2], " "), parts[2]], sep)
    if p.get("max_length"):
        import pyarrow.compute as pc

        names = pc.utf8_slice_codeunits(names, 0, int(p["max_length"]))
    return names


def category_words(locale):
    """Shop categories in the locale's language (English otherwise)."""
    tables = {
        "en": ["Electronics", "Books", "Clothing", "Home & Kitchen", "Garden", "Toys", "Sports", "Beauty",
               "Health", "Grocery", "Automotive", "Music", "Movies", "Office", "Pet Supplies", "Jewelry"],
        "ko": ["전자제품", "도서", "의류", "주방용품", "원예", "완구", "스포츠", "뷰티", "건강", "식품", "자동차용품",
               "음반", "영화", "사무용품", "반려동물", "주얼리"],
        "de": ["Elektronik", "Bücher", "Kleidung", "Küche", "Garten", "Spielzeug", "Sport", "Drogerie",
               "Lebensmittel", "Auto", "Musik", "Filme", "Bürobedarf", "Tierbedarf", "Schmuck"],
    }
    return tables.get(str(locale or "en").split("_")[0].lower()) or tables["en"]


@generator("company.category", output="string", params={"values": None}, low_cardinality=True,
           helpers=(category_words,))
def gen_category(b, p):
    """Shop category (Electronics, Books ... / 전자제품, 도서 ...), or one of `values`."""
    values = p.get("values") or category_words(b.pools.locale)
    return take(str_array([str(v) for v in values]), b.rng.integers(0, len(values), b.n))
