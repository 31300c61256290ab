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
    "阖家安康", "合家安康",
)

# Words that belong to an assistant talking about the text, never to the text itself.
CHATTER = re.compile(
    r"全文(?:结束|完)|（字数|字数[:：]|共\d+字|以上(?:内容|文案|是)|上述(?:内容|文案)|仅(?:为|供)(?:示例|参考)|供您?参考|"
    r"如果您?还?(?:需要|想要)[^。！？\n]{0,10}(?:帮助|修改|调整|版本|更多)|"
    r"如果(?:您|你)?有(?:任何|什么)?(?:其他)?(?:问题|需要)[^。！？\n]{0,8}(?:告诉我|随时)|"
    r"希望(?:这|以上)(?:篇|段|条|封|些|份|首)?(?:内容|文案|祝福语?|短信|回答|作文|信|诗|对联)[^。！？\n]{0,4}"
    r"(?:帮到|对(?:您|你)?有(?:所)?帮助|符合|满足|合您|您满意|你满意)|以下是|"
    r"这是一(?:篇|段|首|条|份)(?:为您|给您|为你|给你)?[^。！？\n]{0,12}(?:文案|示例|范文|作文|致辞|稿)|您?可以根据(?:需要|实际|情况)|"
    r"注[:：]|备注[:：]|作为(?:一个)?(?:AI|人工智能)(?:助手|模型)?[，,]|作为(?:一个)?语言模型|Note:|"
    r"[（(]\d+字[）)]|"  # a count of its own length: "（955字）"
    r"[（(]第[一二三四五六七八九十\d]+段[）)]|(?:^|\n)第[一二三四五六七八九十\d]+段[:：]"  # its own plan: "（第1段）第二段："
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


SHORT_TEXT = 150  # 字: in a text this short, one stock blessing said twice is heard at once


def repeated_phrase(text: str, n: int = 6) -> str | None:
    """The first phrase said too often, or None: a run of ``n`` characters (whitespace ignored) twice; a 4-字 Han
    phrase three times ("新的一年…新的一年…新的一年"); or a stock blessing twice in a short text ("阖家安康" twice
    within 150 字).

    >>> repeated_phrase("愿你新年好运常在。愿你新年好运常伴。"), repeated_phrase("新年快乐，万事如意。")
    ('愿你新年好运', None)
    >>> repeated_phrase("新的一年，平安。新的一年，顺利。新的一年，常回家。"), repeated_phrase("祝阖家安康。也祝阖家安康！")
    ('新的一年', '阖家安康')
    """
    s = _units(text)
    seen: set[str] = set()
    for i in range(len(s) - n + 1):
        gram = s[i:i + n]
        if sum("\u4e00" <= ch <= "\u9fff" for ch in gram) < n - 1:
            continue  # a run of marks, digits or Latin, or a short phrase with its commas, is not a repeat
        if gram in seen:
            return gram
        seen.add(gram)
    fours: dict[str, int] = {}
    for i in range(len(s) - 3):
        gram = s[i:i + 4]
        if all("\u4e00" <= ch <= "\u9fff" for ch in gram):
            fours[gram] = fours.get(gram, 0) + 1
            if fours[gram] >= 3:
                return gram
    if count_chars(text) <= SHORT_TEXT:
        return next((p for p in STOCK_PHRASES if text.count(p) >= 2), None)
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


_YEAR = re.compile(r"(?<!\d)\d{4}年")
_DIGIT_RUN = re.compile(r"\d{12,}")


def number_junk(text: str, request: str) -> str | None:
    """Numbers where the words ran out: a run of 12 digits or more, or three years or more that the request does
    not give ("2051年10月底…2061年6月1日…2071年…"); the first of them, or None.

    >>> number_junk("感谢您。2051年10月底。2061年6月1日。2071年6月底。", "给岳父写信"), number_junk("2026年，新年好！", "写拜年语")
    ('2051年', None)
    """
    if m := _DIGIT_RUN.search(text):
        return m.group(0)
    years = [y for y in _YEAR.findall(text) if y not in request]
    return years[0] if len(years) >= 3 else None


# --- verse and couplets: rhyme and the closing tones, by the modern standard (中华新韵, 14 groups) ----------
RHYME_GROUPS = {  # pypinyin finals (Style.FINALS, strict) → group; the apical -i of 知 资 is 支, told apart below
    **dict.fromkeys(("a", "ia", "ua"), "麻"), **dict.fromkeys(("o", "uo", "e"), "波"), **dict.fromkeys(("ie", "ve"), "皆"),
    **dict.fromkeys(("ai", "uai"), "开"), **dict.fromkeys(("ei", "uei"), "微"), **dict.fromkeys(("ao", "iao"), "豪"),
    **dict.fromkeys(("ou", "iou"), "尤"), **dict.fromkeys(("an", "ian", "uan", "van"), "寒"),
    **dict.fromkeys(("en", "in", "uen", "vn"), "文"), **dict.fromkeys(("ang", "iang", "uang"), "唐"),
    **dict.fromkeys(("eng", "ing", "ong", "iong", "ueng"), "庚"), **dict.fromkeys(("i", "v", "er"), "齐"), "u": "姑",
}
_APICAL = ("zh", "ch", "sh", "r", "z", "c", "s")


def rhyme_and_tone(ch: str) -> tuple[str | None, str]:
    """(rhyme group or None, "平" or "仄") of one character by its most common modern reading (pypinyin).

    >>> rhyme_and_tone("开"), rhyme_and_tone("新"), rhyme_and_tone("暖"), rhyme_and_tone("诗")
    (('开', '平'), ('文', '平'), ('寒', '仄'), ('支', '平'))
    """
    from pypinyin import Style, lazy_pinyin

    final = lazy_pinyin(ch, style=Style.FINALS)[0]
    initial = lazy_pinyin(ch, style=Style.INITIALS)[0]
    tone = lazy_pinyin(ch, style=Style.TONE3, neutral_tone_with_five=True)[0][-1:]
    group = "支" if final == "i" and initial in _APICAL else RHYME_GROUPS.get(final)
    return group, "平" if tone in ("1", "2") else "仄"


def verse_form(text: str, request: str) -> str | None:
    """What a reader of poems notices first, for a request for verse or a couplet (else None):
    ``"no rhyme"`` when the even lines of a poem do not end in one rhyme group; ``"couplet tones"`` when a
    couplet's first line does not end on a 仄 tone or its second on a 平 tone (上仄下平).

    >>> verse_form("爆竹声声响，梅花朵朵开。家家贴福字，户户笑颜开。", "写一首五言绝句"), verse_form("春风入户千家暖\\n瑞雪迎门万象新", "写一副七言春联")
    (None, None)
    >>> verse_form("爆竹声声响，梅花朵朵开。家家贴福字，户户喜洋洋。", "写一首五言绝句"), verse_form("瑞雪迎门万象新\\n春风入户千家暖", "写一副七言春联")
    ('no rhyme', 'couplet tones')
    """
    from hesui.length import parse, verse_lines

    try:
        spec = parse(request)
    except ValueError:
        return None
    if spec.is_couplet:
        lines = [line for line in verse_lines(text, couplet=True) if line]
        if len(lines) >= 2 and (rhyme_and_tone(lines[0][-1])[1] != "仄" or rhyme_and_tone(lines[1][-1])[1] != "平"):
            return "couplet tones"
        return None
    if not spec.is_verse:
        return None
    ends = [rhyme_and_tone(line[-1])[0] for line in verse_lines(text)[1::2] if line]
    return "no rhyme" if len(ends) >= 2 and len(set(ends)) > 1 else None


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
_SALUTATION = re.compile(r"(?:^|\n)\s*(?:亲爱的|尊敬的|敬爱的)?([\u4e00-\u9fff]{2,4})[，,：:！!]")
_PET_NAME = re.compile(r"[小阿][\u4e00-\u9fff]")  # 小雪，… / 阿伟：… opening a line: jieba tags 小雪 a noun
NOT_NAMES = frozenset(("小宝", "阿姨", "阿婆", "阿公", "阿爸", "阿妈", "老公", "老婆", "宝贝", "亲爱", "兄弟", "姐妹", "家人", "老妈", "老爸", "老弟", "老哥", "老姐",
                       "老铁", "老板", "靓仔", "朋友", "同学", "同事", "领导", "老师", "师傅", "师父", "师兄", "师姐",
                       "师弟", "师妹", "学长", "学姐", "学弟", "学妹", "闺蜜", "宝宝", "孩子", "老婆子",
                       "老头子", "老伴"))


def _tagged(text: str) -> list:
    """jieba's words with part-of-speech tags (``.word``, ``.flag``: nr person, ns place, n noun…)."""
    import jieba
    import jieba.posseg as posseg

    jieba.setLogLevel(60)  # its "Building prefix dict" lines are not ours to print
    return list(posseg.cut(text))


def _jieba_person(word: str) -> bool:
    tags = _tagged(word)
    # jieba tags many phrases nr ("天刚亮"): a longer one must also open with a surname
    return (len(tags) == 1 and tags[0].flag in ("nr", "nrfg", "nrt") and word not in NOT_NAMES
            and (len(word) == 2 or word[0] in SURNAMES))


def names_in(text: str) -> list[str]:
    """The people a text addresses or mentions by name: surname + title (李总, 周爷爷), 老王 / 小李 as an address,
    and a salutation that jieba tags as a person's name (晓雯，…), in order of appearance, each once.

    >>> names_in("李总，新年好！也问王老师好。"), names_in("老周，新年好"), names_in("晓雯，新年快乐"), names_in("谢谢老师，新年好")
    (['李总', '王老师'], ['老周'], ['晓雯'], [])
    >>> names_in("小雪，新年好"), names_in("小时候，我最盼过年"), names_in("亲爱的李红，恭喜你")
    (['小雪'], [], ['李红'])
    """
    found = [(m.start(), m.group(0)) for pattern in (_TITLED, _FAMILIAR) for m in pattern.finditer(text)]
    found += [(m.start(1), m.group(1)) for m in _SALUTATION.finditer(text)
              if m.group(1) not in NOT_NAMES and (_jieba_person(m.group(1)) or _PET_NAME.fullmatch(m.group(1)))]
    names: list[str] = []
    for _, name in sorted(found):
        if not any(name in kept or kept in name for kept in names):
            names.append(name)
    return names


def surname_of(name: str) -> str:
    """The surname in a form of address: 老王 → 王, 李总 → 李, 欧阳老师 → 欧阳."""
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
        if name not in request and surname_of(name) not in request:
            return name
    return None


# --- the person the request names as the reader ----------------------------------------------------------

# Who a request writes to (words in the request → a class) and how a text may address each class. A salutation
# that addresses another class and none of the reader's forms is a wrong addressee (导师 → "同学们"); a request
# that names no reader, or several, is not judged. Built from the corpus scenarios (data/seed/*.jsonl).
RECIPIENTS = (
    ("teacher", ("导师", "老师", "班主任", "教授", "恩师", "师父"),
     ("老师", "导师", "教授", "班主任", "恩师", "先生", "师父", "您")),
    ("leader", ("领导", "老板", "上司", "经理", "主管", "总监"),  # not 董事长/校长: usually the speaker, not the reader
     ("领导", "总", "经理", "老板", "董事长", "总监", "主管", "厂长", "校长", "院长", "您")),
    ("colleagues", ("同事", "团队", "员工", "部门", "全体"),
     ("同事", "各位", "大家", "伙伴", "同仁", "团队", "兄弟姐妹", "家人们", "战友", "朋友们")),
    ("family group", ("家庭群", "家族群", "亲戚群", "家人群", "全家人"),
     ("家人", "亲人", "各位", "大家", "长辈", "全家", "亲戚", "兄弟姐妹", "一家")),
    ("grandparent", ("爷爷", "奶奶", "外婆", "外公", "姥姥", "姥爷"),
     ("爷爷", "奶奶", "外婆", "外公", "姥姥", "姥爷", "您")),
    ("parents", ("爸妈", "父母", "爸爸", "妈妈", "老爸", "老妈", "父亲", "母亲"),
     ("爸", "妈", "父亲", "母亲", "父母", "您")),
    ("students", ("给学生", "学生们", "孩子们", "小朋友们", "给全班", "给班上"), ("同学", "孩子", "小朋友", "大家", "各位")),
    ("classmates", ("同学", "室友", "舍友", "同窗"), ("同学", "兄弟", "姐妹", "各位", "大家", "室友", "舍友", "你")),
    ("customers", ("客户", "顾客", "粉丝", "会员", "甲方", "合作伙伴"),
     ("客户", "顾客", "朋友", "各位", "家人们", "伙伴", "粉丝", "会员", "宝宝们", "亲们", "您", "大家", "总", "经理",
      "老板", "兄弟", "老铁")),
    ("partner", ("老公", "老婆", "妻子", "丈夫", "女朋友", "男朋友", "对象", "爱人", "媳妇"),
     ("老公", "老婆", "亲爱的", "宝贝", "媳妇", "爱人", "你", "宝")),
)
_SALUTATION_HEAD = re.compile(r"^\s*(?:尊敬的|亲爱的|敬爱的)?([^，,：:！!。\n]{1,10})[，,：:！!]")


_WRITER = re.compile(r"我是[^，,。；;！!\n]{0,16}|我们是[^，,。；;！!\n]{0,16}")


def recipient_of(request: str) -> str | None:
    """The one class of reader a request names ("给部门同事发…" → colleagues), or None (none, or several). Who the
    writer is ("我是麦香烘焙的老板") does not count."""
    request = _WRITER.sub("", to_simplified(request))
    found = {name for name, said, _ in RECIPIENTS if any(w in request for w in said)}
    return found.pop() if len(found) == 1 else None


def wrong_addressee(text: str, request: str) -> str | None:
    """The salutation, when the text opens by addressing someone other than the request's reader, else None.

    >>> wrong_addressee("同学们，新年好！", "给导师拜年"), wrong_addressee("周爷爷，新年好！", "在家庭群中发拜年语")
    ('同学们', '周爷爷')
    >>> wrong_addressee("老师，新年好！", "给导师拜年"), wrong_addressee("新年好！", "给导师拜年")
    (None, None)
    """
    reader = recipient_of(request)
    head = _SALUTATION_HEAD.match(to_simplified(text))
    if reader is None or head is None:
        return None
    salutation = head.group(1)
    own = next(forms for name, _, forms in RECIPIENTS if name == reader)
    if any(f in salutation for f in own):
        return None
    others = [f for name, _, forms in RECIPIENTS if name != reader for f in forms if len(f) > 1 or f == "总"]
    return salutation if any(f in salutation for f in others) else None


# --- the details the request gave -----------------------------------------------------------------------

_MENTION = re.compile(r"(?:提到|提一下|提及|提提|写到|写上|写进|说说|讲讲|包括|带上)"
                      r"[:：]?([^。；;！!？?\n]{2,80})")
_QUOTED = re.compile(r"[“「『\"]([^”」』\"]{1,20})[”」』\"]")
# Words of the task itself, never a detail to cover: genre, occasion, reader, length.
TASK_WORDS = frozenset((
    "拜年", "祝福", "祝福语", "短信", "消息", "文案", "作文", "新年", "春节", "过年", "新春", "除夕", "元旦", "信",
    "家书", "发言", "致辞", "讲话", "朋友圈", "红包", "对联", "春联", "主持词", "开场白", "字", "段", "句", "话",
    "老家", "今年", "去年", "明年", "一下", "一点", "一些", "语气", "风格", "内容", "要求", "文字",
))


_LENGTHY = re.compile(r"\d\s*个?字|要求|字数")  # a length or a requirement, not a thing to mention
_READER_WORDS = frozenset(w for _, said, _ in RECIPIENTS for w in said) | {"岳父", "岳母", "公公", "婆婆", "长辈"}

# How the text should sound, never a thing to mention: "郑重、真诚" or "要幽默、口语、接地气" in a request's list.
STYLE_WORDS = frozenset((
    "郑重", "真诚", "真挚", "幽默", "搞笑", "好笑", "口语", "口语化", "接地气", "朴实", "温馨", "温暖", "正式", "青春", "轻松",
    "简洁", "简短", "大气", "文艺", "俏皮", "走心", "喜庆", "得体", "诗意", "押韵", "活泼", "煽情", "感人", "文采",
    "亲切", "稳重", "自然", "暖心", "温情", "不卑不亢", "有温度", "有分量", "逗", "好玩", "热闹", "庄重", "深情", "含蓄", "通俗",
))


def _style(item: str) -> bool:
    """A tone word, bare or wrapped: 幽默, 要幽默, 朴实一点, 别太俗 (then every word is a tone or an adjective)."""
    core = re.sub(r"^(?:要|别太|不要太|别|不要|不能太|有点|有些|稍微|更|再|很|比较)|(?:一点|一些|点|些|的)$", "", item)
    if core in STYLE_WORDS:
        return True
    words = [w for w in _tagged(core) if w.word.strip()]
    return bool(words) and all(w.flag in ("a", "ad", "an", "d") for w in words)


def request_details(request: str) -> list[str]:
    """The concrete things a request names for the text to mention: the items after 提到/包括/写到…, items of
    a 、 list, quoted phrases, and places, names and organisations jieba tags as such; task words left out.

    >>> request_details("给爸写封家书，提到第一次上门、下象棋、婚礼、寄来的腊肠")
    ['第一次上门', '下象棋', '婚礼', '寄来的腊肠']
    """
    request = to_simplified(request)
    items: list[str] = []
    for m in _MENTION.finditer(request):
        items += re.split(r"[、，,]|和|及|与|以及", m.group(1))
    for clause in re.split(r"[，,。；;！!？?\n：:]", request):
        if "、" in clause:
            items += clause.split("、")
    items += _QUOTED.findall(request)
    items += [w.word for w in _tagged(request)  # places, and names that open with a surname (jieba's nz/nt
              if w.flag == "ns" and len(w.word) > 1  # tags are mostly adjectives: 温馨, 正式)
              or w.flag in ("nr", "nrfg") and 2 <= len(w.word) <= 3 and (w.word[0] in SURNAMES or w.word[0] == "阿")]
    cleaned = []
    for item in items:
        item = re.sub(r"^(?:还有|再|也|她|他|你|我|我们|他们|以及|的)+", "", item.strip(" 　的"))
        if (len(item) >= 2 and item not in TASK_WORDS and item not in _READER_WORDS and not _LENGTHY.search(item)
                and not _style(item) and not any(item in c or c in item for c in cleaned)):
            cleaned.append(item)
    return cleaned


def _mentions(text: str, item: str) -> bool:
    """The text names the item: the item itself, or one of its content words (寄来的腊肠 → 腊肠; 下象棋 → 象棋)."""
    if item in text:
        return True
    words = [w.word for w in _tagged(item) if w.flag[0] in "nvs" and len(w.word) > 1 and w.word not in TASK_WORDS]
    return any(w in text or (len(w) > 2 and w[-2:] in text) for w in words)


def details_covered(text: str, request: str) -> float | None:
    """The share of the request's details (``request_details``) that the text mentions; None when it names none.

    >>> details_covered("爸：…那年第一次上门，您陪我下了一盘象棋…", "给爸写封家书，提到第一次上门、下象棋、婚礼、寄来的腊肠")
    0.5
    """
    details = request_details(request)
    if not details:
        return None
    text = to_simplified(text)
    return sum(_mentions(text, d) for d in details) / len(details)


def copy_faults(text: str, request: str) -> list[str]:
    """What makes this draft unsendable whatever its length, in a fixed order (empty: none found).

    One name per fault: ``"wrong occasion"``, ``"invented name"``, ``"wrong addressee"``, ``"chatter"``,
    ``"number junk"``, ``"repeated closing"``, ``"repeated phrase"``, and for verse ``"no rhyme"`` or
    ``"couplet tones"`` (``verse_form``).
    Best-of-N ranks fewer faults first among the candidates that meet the length (``hesui.generate.seam``).

    >>> copy_faults("王总新年好，生日快乐！以上内容仅供参考", "给王总拜年"), copy_faults("李总新年好！", "给领导拜年")
    (['wrong occasion', 'chatter'], ['invented name'])
    """
    found = (("wrong occasion", wrong_occasion(text, request)), ("invented name", invented_name(text, request)),
             ("wrong addressee", wrong_addressee(text, request)),
             ("chatter", chatter(text)), ("number junk", number_junk(text, request)),
             ("repeated closing", repeated_closing(text)), ("repeated phrase", repeated_phrase(text)))
    form = verse_form(text, request)
    return [name for name, hit in found if hit is not None] + ([form] if form else [])


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
