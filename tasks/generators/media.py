"""Titles and vocabularies of catalogues: film, album, track and book titles, genres,
languages. Titles come from the locale's word pool (title-cased where the script has
case); the vocabularies are small tables per language, kept in the functions below
because a rendered module copies functions, not module constants.
"""

from __future__ import annotations

import pyarrow.compute as pc

from tasks.generator_runtime.kernel import join, num_array, str_array, take
from tasks.generators.registry import generator


def locale_table(tables, locale):
    """The list of `tables` (language -> values) for a locale such as ko_KR (English otherwise)."""
    return tables.get(str(locale or "en").split("_")[0].lower()) or tables["en"]


def pick(b, values):
    """Values drawn uniformly from a small Python list."""
    return take(str_array(list(values)), b.rng.integers(0, len(values), b.n))


def genre_table():
    """Genres of films, music and books, by language."""
    return {
        "en": ["Action", "Animation", "Biography", "Children", "Classics", "Comedy", "Crime", "Documentary",
               "Drama", "Family", "Fantasy", "Foreign", "History", "Horror", "Music", "Musical", "Mystery",
               "Romance", "Sci-Fi", "Sports", "Thriller", "Travel", "War", "Western", "Jazz", "Rock", "Pop",
               "Blues", "Classical", "Hip Hop", "Electronic", "Country", "Folk", "Soul", "Reggae"],
        "ko": ["액션", "애니메이션", "코미디", "다큐멘터리", "드라마", "가족", "판타지", "공포", "음악", "뮤지컬",
               "미스터리", "로맨스", "공상과학", "스포츠", "스릴러", "여행", "전쟁", "서부", "재즈", "록", "팝", "발라드",
               "클래식", "힙합", "트로트", "인디"],
        "de": ["Action", "Animation", "Komödie", "Dokumentation", "Drama", "Familie", "Fantasy", "Horror",
               "Musik", "Krimi", "Romantik", "Science-Fiction", "Sport", "Thriller", "Reise", "Krieg", "Western",
               "Jazz", "Rock", "Pop", "Klassik", "Schlager"],
        "ja": ["アクション", "アニメ", "コメディ", "ドキュメンタリー", "ドラマ", "ファンタジー", "ホラー", "音楽",
               "ミステリー", "ロマンス", "SF", "スポーツ", "スリラー", "時代劇", "ジャズ", "ロック", "ポップ", "演歌"],
    }


def language_table():
    """Language names, by the language they are written in."""
    return {
        "en": ["English", "Italian", "Japanese", "Mandarin", "French", "German", "Spanish", "Korean",
               "Portuguese", "Russian", "Arabic", "Hindi", "Dutch", "Swedish", "Polish", "Turkish"],
        "ko": ["한국어", "영어", "일본어", "중국어", "프랑스어", "독일어", "스페인어", "이탈리아어", "러시아어",
               "포르투갈어", "아랍어", "베트남어"],
        "de": ["Deutsch", "Englisch", "Französisch", "Italienisch", "Spanisch", "Japanisch", "Chinesisch",
               "Koreanisch", "Russisch", "Polnisch", "Türkisch"],
        "ja": ["日本語", "英語", "中国語", "韓国語", "フランス語", "ドイツ語", "スペイン語", "イタリア語"],
    }


@generator("media.title", output="string", pools=("word",), params={"min_words": 1, "max_words": 3,
                                                                    "max_length": None},
           helpers=(pick,))
def gen_title(b, p):
    """Title of a film, album, track or book: one to three of the locale's words, title-cased."""
    pool = b.pool("word")
    lo, hi = int(p["min_words"]), max(int(p["max_words"]), int(p["min_words"]))
    count = b.rng.integers(lo, hi + 1, b.n)
    words = [take(pool, b.rng.integers(0, len(pool), b.n)) for _ in range(hi)]
    title = words[0]
    for k in range(1, hi):
        title = pc.if_else(pc.greater(num_array(count, "int64"), k), join([title, words[k]], " "), title)
    title = pc.utf8_title(title)
    if p.get("max_length"):
        title = pc.utf8_slice_codeunits(title, 0, int(p["max_length"]))
    return title


@generator("media.genre", output="string", params={"values": None}, low_cardinality=True,
           helpers=(locale_table, pick, genre_table))
def gen_genre(b, p):
    """Genre of a film, record or book in the locale's language (or one of `values`)."""
    return pick(b, p.get("values") or locale_table(genre_table(), b.pools.locale))


@generator("media.language", output="string", params={"values": None}, low_cardinality=True,
           helpers=(locale_table, pick, language_table))
def gen_language(b, p):
    """Language name in the locale's language (English, Italian, ... / 한국어, 영어, ...)."""
    return pick(b, p.get("values") or locale_table(language_table(), b.pools.locale))


@generator("media.language_code", output="string", low_cardinality=True, params={"values": [
    "en", "en", "en", "es", "fr", "de", "it", "pt", "ja", "ko", "zh", "ru", "nl", "sv", "pl", "tr"]},
           helpers=(pick,))
def gen_language_code(b, p):
    """ISO 639-1 language code (en, de, ko ...), English the most common."""
    return pick(b, p["values"])
