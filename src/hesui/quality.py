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


# --- people the request never named -------------------------------------------------------------------

# Common single-character surnames. Left out: characters that are far more often a word next to a title
# (谢老师 in "谢谢老师", 向老师 "to the teacher", 和/同/于/从/时/全/万/高/文/明/常/金/安/成/新/年…).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙胡朱郭何林罗郑梁宋唐韩冯董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟"
    "汪田任姜范方石姚谭廖邹熊陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易武乔贺赖龚庞樊殷施陶洪翟"
    "倪严牛温芦季俞章鲁葛伍韦申尤毕聂焦向柴"
) - frozenset("向万龙高")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "皇甫")
# What follows a surname when someone is addressed: job titles, kinship terms used for non-kin, honorifics.
TITLES = (
    "老师", "教授", "导师", "校长", "院长", "主任", "医生", "大夫", "护士长", "律师", "总监", "总工", "经理", "老板",
    "师傅", "书记", "局长", "处长", "科长", "部长", "厅长", "行长", "所长", "站长", "组长", "班长", "队长", "主管",
    "董事长", "董", "总", "先生", "女士", "小姐", "同学", "阿姨", "叔叔", "伯伯", "爷爷", "奶奶", "大爷",
    "大妈", "大娘", "大哥", "大姐", "姐", "哥", "叔", "姨", "伯", "婶", "嫂", "姥姥", "姥爷", "外婆", "外公",
)
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(sorted(SURNAMES)) + "])"
_TITLED = re.compile(_SURNAME + "(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + ")")
# 老王 / 小李 when they stand as an address: followed by a pause or a greeting.
_FAMILIAR = re.compile(r"(?<![\u4e00-\u9fff])[老小]" + _SURNAME + r"(?=[，,：:！!、。\s]|新年|过年|春节|$)")
# A salutation at the start of the text or of a line: a name jieba tags as a person (晓雯，… / 阿伟：…).
_SALUTATION = re.compile(r"(?:^|\n)\s*([\u4e00-\u9fff]{2,4})[，,：:！!]")
NOT_NAMES = frozenset(("老公", "老婆", "宝贝", "亲爱", "兄弟", "姐妹", "家人", "老妈", "老爸", "老弟", "老哥", "老姐",
                       "老铁", "老板", "靓仔", "朋友", "同学", "同事", "领导", "老师", "师傅", "师父", "师兄", "师姐",
                       "师弟", "师妹", "学长", "学姐", "学弟", "学妹", "闺蜜", "宝宝", "孩子", "老婆子",
                       "老头子", "老伴"))


def _jieba_person(word: str) -> bool:
    import jieba
    import jieba.posseg as posseg

    jieba.setLogLevel(60)  # its "Building prefix dict" lines are not ours to print
    tags = list(posseg.cut(word))
    # jieba tags many phrases nr ("天刚亮"): a longer one must also open with a surname
    return (len(tags) == 1 and tags[0].flag in ("nr", "nrfg", "nrt") and word not in NOT_NAMES
            and (len(word) == 2 or word[0] in SURNAMES))


def names_in(text: str) -> list[str]:
    """The people a text addresses or mentions by name: surname + title (李总, 周爷爷), 老王 / 小李 as an address,
    and a salutation that jieba tags as a person's name (晓雯，…), in order of appearance, each once.

    >>> names_in("李总，新年好！也问王老师好。"), names_in("老周，新年好"), names_in("晓雯，新年快乐"), names_in("谢谢老师，新年好")
    (['李总', '王老师'], ['老周'], ['晓雯'], [])
    """
    found = [(m.start(), m.group(0)) for pattern in (_TITLED, _FAMILIAR) for m in pattern.finditer(text)]
    found += [(m.start(1), m.group(1)) for m in _SALUTATION.finditer(text)
              if m.group(1) not in NOT_NAMES and _jieba_person(m.group(1))]
    names: list[str] = []
    for _, name in sorted(found):
        if not any(name in kept or kept in name for kept in names):
            names.append(name)
    return names


def _surname_of(name: str) -> str:
    bare = name[1:] if name[0] in "老小阿" and len(name) == 2 else name
    return next((s for s in COMPOUND_SURNAMES if bare.startswith(s)), bare[0])


def invented_name(text: str, request: str) -> str | None:
    """The first person the answer names that the request did not give, or None. A name counts as given when the
    request holds it or its surname (给老王 → 王哥 is the same man); both read in simplified script.

    ``request``: everything the writer was told (system prompt and every user turn).

    >>> invented_name("李总，新年好！", "给部门同事发一条拜年消息"), invented_name("王总，新年好！", "给王总拜年")
    ('李总', None)
    """
    text, request = to_simplified(text), to_simplified(request)
    for name in names_in(text):
        if name not in request and _surname_of(name) not in request:
            return name
    return None


def copy_faults(text: str, request: str) -> list[str]:
    """What makes this draft unsendable whatever its length, in a fixed order (empty: none found).

    One name per fault: ``"wrong occasion"``, ``"invented name"``, ``"chatter"``, ``"repeated closing"``,
    ``"repeated phrase"``.
    Best-of-N ranks fewer faults first among the candidates that meet the length (``hesui.generate.seam``).

    >>> copy_faults("王总新年好，生日快乐！以上内容仅供参考", "给王总拜年"), copy_faults("李总新年好！", "给领导拜年")
    (['wrong occasion', 'chatter'], ['invented name'])
    """
    found = (("wrong occasion", wrong_occasion(text, request)), ("invented name", invented_name(text, request)),
             ("chatter", chatter(text)),
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
