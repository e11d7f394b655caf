"""Text helpers: pinyin initials (助记码) for search."""

import re

from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """Lower-case pinyin initials of the Chinese characters, other letters and digits kept.

    "一次性使用无菌注射器" -> "ycxsywjzsq"; "5ml注射器" -> "5mlzsq".
    """
    if not text:
        return ""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return re.sub(r"[^0-9a-z]", "", "".join(letters).lower())
