"""The length contract: counting units, request parsing and scores. Pure Python, no torch."""
from .count import (UNITS, count, count_all, count_chars, count_han, count_marks, is_han, lines, paragraphs,
                    sentences, verse_lines)
from .numerals import parse_number
from .score import ill_formed, lifebench, meets, measured, qianfan, strict, well_formed
from .spec import Constraint, LengthSpecError, Spec, check, parse

__all__ = [
    "UNITS", "Constraint", "LengthSpecError", "Spec", "check", "count", "count_all", "count_chars",
    "count_han", "count_marks", "ill_formed", "is_han", "lifebench", "lines", "measured", "meets", "paragraphs",
    "parse", "parse_number", "qianfan", "sentences", "strict", "verse_lines", "well_formed",
]
