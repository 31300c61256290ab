"""Copy-quality measures: what makes a length-compliant answer still unusable. Pure functions.

Each answers one question a copywriter asks of a draft: does it wish the wrong occasion, say a phrase
twice, pile up stock blessings, talk about itself instead of being the text, or repeat its closing; and does
it copy a training answer (memorisation). Counts per 100 字 use ``hesui.length.count_chars``.
"""
from __future__ import annotations

import re

from hesui.length import count_chars
from hesui.length.words import to_simplified

# Occasions a New Year text must not wish unless the request names them: (name, words in the answer, words in
# the request that make it fitting).
OCCASIONS = (
    ("birthday", ("生日", "寿辰", "寿比南山", "大寿"),
     ("生日", "寿", "满月", "周岁", *(f"{n}岁" for n in "0123456789十一二三四五六七八九两"))),
    ("wedding", ("新婚", "百年好合", "喜结连理", "早生贵子", "白头偕老"),
     ("结婚", "新婚", "婚礼", "婚宴", "订婚", "成婚", "完婚", "喜酒", "新人")),  # not 离婚
    ("graduation", ("毕业快乐", "毕业典礼"), ("毕业",)),
    ("housewarming", ("乔迁",), ("乔迁", "搬家", "新居")),
    ("other festival", ("圣诞", "中秋快乐", "国庆快乐", "端午安康", "七夕快乐"), ("圣诞", "中秋", "国庆", "端午", "七夕")),
)

# Four-字 blessings that say nothing about the person; the corpus uses about 0.3 per 100 字.
STOCK_PHRASES = (
    "万事如意", "心想事成", "身体健康", "阖家欢乐", "合家欢乐", "阖家幸福", "合家幸福", "幸福美满", "吉祥如意",
    "财源广进", "财源滚滚", "步步高升", "事业有成", "事业顺利", "工作顺利", "年年有余", "大吉大利", "恭喜发财",
    "龙马精神", "福寿安康", "平安喜乐", "前程似锦", "鹏程万里", "蒸蒸日上", "生意兴隆", "好运连连", "喜气洋洋",
    "万事顺意", "笑口常开", "美梦成真", "福星高照", "学业进步", "一帆风顺", "二龙腾飞", "三羊开泰", "四季平安",
    "五福临门", "六六大顺", "七星高照", "八方来财", "九九同心", "十全十美", "心想事成", "事事顺心", "岁岁平安",
)

# Words that belong to an assistant talking about the text, never to the text itself.
CHATTER = re.compile(
    r"全文(?:结束|完)|（字数|字数[:：]|共\d+字|以上(?:内容|文案|是)|上述(?:内容|文案)|仅(?:为|供)(?:示例|参考)|供您?参考|"
    r"如果您?还?(?:需要|想要)[^。！？\n]{0,10}(?:帮助|修改|调整|版本|更多)|"
    r"如果(?:您|你)?有(?:任何|什么)?(?:其他)?(?:问题|需要)[^。！？\n]{0,8}(?:告诉我|随时)|"
    r"希望(?:这|以上)(?:篇|段|条|封|些|份|首)?(?:内容|文案|祝福语?|短信|回答|作文|信|诗|对联)[^。！？\n]{0,4}"
    r"(?:帮到|对(?:您|你)?有(?:所)?帮助|符合|满足|合您|您满意|你满意)|以下是|"
    r"这是一(?:篇|段|首|条|份)(?:为您|给您|为你|给你)?[^。！？\n]{0,12}(?:文案|示例|范文|作文|致辞|稿)|您?可以根据(?:需要|实际|情况)|"
    r"注[:：]|备注[:：]|作为(?:一个)?(?:AI|人工智能)(?:助手|模型)?[，,]|作为(?:一个)?语言模型|Note:"
)

CLOSINGS = ("此致", "敬礼", "谢谢大家", "全文完")
MEMORISED_RUN = 15  # 字: a run this long copied from a training answer is recall, not writing


# A request for New Year copy names one of these; the copy faults are judged only for such requests (and for any
# request that states a length), not for a code question or a translation, where "以下是…" is a fine answer.
NEW_YEAR_WORDS = (
    "新年", "新春", "春节", "过年", "拜年", "除夕", "年夜", "守岁", "元旦", "元宵", "春联", "对联", "对子", "年会",
    "贺岁", "贺年", "贺词", "献词", "祝福", "祝词", "红包", "压岁", "腊月", "正月", "大年", "年货", "放假通知",
    "马年", "蛇年", "龙年", "家书", "开工", "团圆",
)


def new_year_request(request: str) -> bool:
    """Whether a request asks for New Year copy by its words (either script).

    >>> new_year_request("給老師寫拜年短信"), new_year_request("用Python写一个函数，把字符串反转。")
    (True, False)
    """
    request = to_simplified(request)
    return any(w in request for w in NEW_YEAR_WORDS)


def wrong_occasion(text: str, request: str) -> str | None:
    """The occasion the answer wishes that the request did not name, or None; both read in simplified script.

    ``request``: everything the writer was told (system prompt and every user turn), not only the last turn.

    >>> wrong_occasion("王总，新年快乐，生日快乐！", "给领导的拜年短信"), wrong_occasion("生日快乐", "过年也是我生日")
    ('birthday', None)
    """
    text, request = to_simplified(text), to_simplified(request)
    for name, said, fitting in OCCASIONS:
        if any(w in text for w in said) and not any(w in request for w in fitting):
            return name
    return None


def _units(text: str) -> str:
    return "".join(text.split())


def repeated_phrase(text: str, n: int = 6) -> str | None:
    """The first run of ``n`` characters (whitespace ignored) that occurs twice, or None.

    >>> repeated_phrase("愿你新年好运常在。愿你新年好运常伴。"), repeated_phrase("新年快乐，万事如意。")
    ('愿你新年好运', None)
    """
    s = _units(text)
    seen: set[str] = set()
    for i in range(len(s) - n + 1):
        gram = s[i:i + n]
        if not any("\u4e00" <= ch <= "\u9fff" for ch in gram):
            continue  # runs of marks, digits or Latin are not phrases
        if gram in seen:
            return gram
        seen.add(gram)
    return None


def stock_phrases(text: str) -> int:
    """How many stock blessings the text holds (each occurrence counted).

    >>> stock_phrases("祝您身体健康，万事如意，阖家欢乐！万事如意！")
    4
    """
    return sum(text.count(p) for p in set(STOCK_PHRASES))


def stock_per_100(text: str) -> float:
    """Stock blessings per 100 字 (0 for an empty text).

    >>> round(stock_per_100("祝您身体健康，万事如意！"), 1)  # 2 in 12 字
    16.7
    """
    n = count_chars(text)
    return 100 * stock_phrases(text) / n if n else 0.0


def chatter(text: str) -> str | None:
    """The first words of assistant chatter in the text, or None.

    >>> chatter("新年快乐！（全文结束）"), chatter("以下是为您写的祝福：新年快乐"), chatter("希望这个春节你们都好。")
    ('全文结束', '以下是', None)
    """
    m = CHATTER.search(text)
    return m.group(0) if m else None


def repeated_closing(text: str) -> str | None:
    """A closing formula said more than once ("此致" a dozen times), or None.

    >>> repeated_closing("此致\\n敬礼\\n此致\\n敬礼"), repeated_closing("此致\\n敬礼")
    ('此致', None)
    """
    return next((c for c in CLOSINGS if text.count(c) > 1), None)


def copy_faults(text: str, request: str) -> list[str]:
    """What makes this draft unsendable whatever its length, in a fixed order (empty: none found).

    One name per fault: ``"wrong occasion"``, ``"chatter"``, ``"repeated closing"``, ``"repeated phrase"``.
    Best-of-N ranks fewer faults first among the candidates that meet the length (``hesui.generate.seam``).

    >>> copy_faults("王总新年好，生日快乐！以上内容仅供参考", "给领导拜年"), copy_faults("王总新年好！", "给领导拜年")
    (['wrong occasion', 'chatter'], [])
    """
    found = (("wrong occasion", wrong_occasion(text, request)), ("chatter", chatter(text)),
             ("repeated closing", repeated_closing(text)), ("repeated phrase", repeated_phrase(text)))
    return [name for name, hit in found if hit is not None]


class MemorisationIndex:
    """Every ``MEMORISED_RUN``-character run of a set of training answers, for copy detection."""

    def __init__(self, answers: list[str], n: int = MEMORISED_RUN):
        self.n = n
        self.grams = {s[i:i + n] for s in map(_units, answers) for i in range(len(s) - n + 1)}

    def copied(self, text: str) -> str | None:
        """The first run of the text found in a training answer, or None.

        >>> MemorisationIndex(["奶奶，二十八到家，带硬币的饺子给我留着！"]).copied("奶奶，二十八到家，带硬币的饺子给我留着呀")
        '奶奶，二十八到家，带硬币的饺子'
        """
        s = _units(text)
        return next((s[i:i + self.n] for i in range(len(s) - self.n + 1) if s[i:i + self.n] in self.grams), None)
