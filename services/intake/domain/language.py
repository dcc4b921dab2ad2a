"""Which language a complaint is written in, so replies and analysis use the same one."""

from __future__ import annotations

import re

from shared.vocab import Language

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> Language:
    """Chinese as soon as Han characters carry a real share of the text, else English.

    Chinese complaints are full of Latin model names and codes (e.g. "ESP灯亮"), so a
    few Han characters outweigh many Latin letters.
    """
    han = len(_HAN.findall(text))
    latin = len(_LATIN_LETTER.findall(text))
    if han == 0:
        return "en" if latin else "zh"
    return "zh" if han * 4 >= latin else "en"
