"""Copy-quality measures (hesui.quality), table by table."""
from __future__ import annotations

import pytest

from hesui import quality as q
from hesui.evaluate.scoring import quality_group


@pytest.mark.parametrize("text, request_, expected", [
    ("王总，新年快乐，生日快乐！", "给领导写拜年短信", "birthday"),  # the base model's classic slip
    ("奶奶，祝您十八岁生日快乐", "给奶奶拜年", "birthday"),  # "您的十八岁生日" to a grandmother
    ("祝你们新婚快乐，百年好合", "给同事拜年", "wedding"),  # a wedding wish nobody asked for
    ("同学们，毕业快乐！", "给同学写新年祝福", "graduation"),
    ("圣诞快乐，新年快乐", "给客户的新年祝福", "other festival"),
    ("祝老师八十大寿快乐，新春安康", "班主任今年八十岁了，写拜年信", None),  # the request names the age
    ("除夕也是我的生日，双喜临门", "我生日正好是除夕，写条朋友圈", None),  # the request names the birthday
    ("新春快乐，马到成功！", "给领导写拜年短信", None),  # a plain New Year wish
    ("守岁到十二点，压岁钱收好", "写守岁的作文", None),  # 岁 alone is not an age
    ("奶奶，生日快乐，新春安康", "奶奶大年初一满七十三岁，写拜年短信", None),  # an age in Chinese numerals
    ("前婆婆新年好，祝您百年好合", "离婚后给前婆婆发拜年短信", "wedding"),  # 离婚 names no wedding
    ("同学们，毕业快乐！", "給畢業的學生寫拜年短信", None),  # the request in traditional script
    ("聖誕快樂，新年快樂", "给客户的新年祝福", "other festival"),  # the answer in traditional script
])
def test_wrong_occasion(text, request_, expected):
    assert q.wrong_occasion(text, request_) == expected


@pytest.mark.parametrize("text, expected", [
    ("愿你新年好运常在。愿你新年好运常伴。", "愿你新年好运"),  # six 字 said twice
    ("新年快乐，万事如意。", None),  # nothing repeated
    ("新年快乐！新年快乐！", None),  # a 4-字 repeat is below the 6-字 bar
    ("2025202520252025", None),  # digit runs are not phrases
    ("祝你幸福美满\n祝你幸福美满", "祝你幸福美满"),  # whitespace between does not hide it
])
def test_repeated_phrase(text, expected):
    assert q.repeated_phrase(text) == expected


@pytest.mark.parametrize("text, count, per_100", [
    ("祝您身体健康，万事如意，心想事成，阖家欢乐！", 4, 4 / 22 * 100),  # the pile the issue describes
    ("奶奶，二十八到家，饺子给我留着。", 0, 0.0),  # concrete, no stock phrase
    ("万事如意万事如意", 2, 2 / 8 * 100),  # each occurrence counts
    ("", 0, 0.0),  # empty text: 0, not a division error
])
def test_stock_phrases(text, count, per_100):
    assert q.stock_phrases(text) == count
    assert q.stock_per_100(text) == pytest.approx(per_100)


@pytest.mark.parametrize("text, expected", [
    ("新年快乐！（全文结束）（字数720-880）", "全文结束"),  # the 800-字 essay's tail
    ("请注意，上述内容仅为示例", "上述内容"),
    ("如果您需要更多版本，请告诉我", "如果您需要更多版本"),
    ("如果有任何问题随时告诉我", "如果有任何问题随时告诉我"),  # the tuned model's English-translation tail
    ("希望这篇文案能帮到你", "希望这篇文案能帮到"),  # the assistant talking about its text
    ("希望这封短信能带给大家温暖", None),  # people write this in the message itself
    ("希望这封信能让你笑一笑。", None),  # the close of a letter
    ("这是一条迟到的拜年短信，老周新年好！", None),  # the message speaking of itself, as people do
    ("希望这个夜晚的气氛能带给你欢乐。", None),  # a wish, not chatter
    ("我说：“因为这是一条龙。”", None),  # 这是一条 inside the story
    ("如需预约，请致电门店。", None),  # a shop notice's own words
    ("请注意防火，安全过年。", None),  # a notice, not a note about the text
    ("以下是为您写的祝福：新年快乐", "以下是"),
    ("这是一篇关于春节的作文。", "这是一篇关于春节的作文"),
    ("作为一个AI，我祝你新年快乐", "作为一个AI，"),
    ("作为人工智能专业的学生，我给导师拜年", None),  # a field of study
    ("奶奶，新年好！今年我二十八到家。", None),  # the text itself
    ("这一年，我们一起跑了一千二百万公里。", None),  # 这一年 is not 这是一篇
])
def test_chatter(text, expected):
    assert q.chatter(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("此致\n敬礼\n此致\n敬礼", "此致"),  # the 1,000-字 letter's dozen 此致
    ("谢谢大家！……再次谢谢大家！", "谢谢大家"),
    ("此致\n敬礼！\n学生小林", None),  # one closing
])
def test_repeated_closing(text, expected):
    assert q.repeated_closing(text) == expected


def test_memorisation_finds_a_copied_run_and_ignores_short_overlap():
    index = q.MemorisationIndex(["去年除夕，您把包了硬币的饺子偷偷夹进我碗里，我一口咬到。"])
    assert index.copied("那年您把包了硬币的饺子偷偷夹进我碗里，笑得最响") == "您把包了硬币的饺子偷偷夹进我碗"  # the first 15 字 shared
    assert index.copied("您把包了硬币的饺子给我") is None  # 10 字 shared: not a copy


@pytest.mark.parametrize("text, request_, junk", [
    ("感谢您的关心。2051年10月底。感谢您。2061年6月1日。2071年6月底。", "给岳父写一封信", "2051年"),
    ("…605705805906061062063064065066067068069070071", "写一篇家书", "605705805906061062063064065066067068069070071"),
    ("2025年我们上线了系统，2026年再出发，2027年更好！", "回顾2025年、展望2026年和2027年", None),  # the request's years
    ("门店2月9日至2月17日休息，2月18日起正常营业，电话13800138000。", "写春节放假通知", None),  # 11 digits: a phone
])
def test_number_junk(text, request_, junk):
    assert q.number_junk(text, request_) == junk
    assert ("number junk" in q.copy_faults(text, request_)) == (junk is not None)


@pytest.mark.parametrize("text, request_, fault", [
    ("爆竹声声响，梅花朵朵开。\n家家贴福字，户户笑颜开。", "写一首五言绝句", None),  # 开/开
    ("春风吹柳绿，细雨润花红。\n灯火千家暖，欢歌万户同。", "写一首五言绝句拜年", None),  # 红/同: 庚 (ong)
    ("爆竹声声响，梅花朵朵开。\n家家贴福字，户户喜洋洋。", "写一首五言绝句", "no rhyme"),  # 开/洋
    ("上联：春风入户千家暖\n下联：瑞雪迎门万象新\n横批：福满人间", "写一副七言春联", None),  # 暖 仄, 新 平
    ("上联：瑞雪迎门万象新\n下联：春风入户千家暖\n横批：福满人间", "写一副七言春联", "couplet tones"),
    ("瑞雪迎门万象新，春风入户千家暖。", "写一条20字以内的拜年短信", None),  # not verse: never judged
])
def test_verse_form(text, request_, fault):
    assert q.verse_form(text, request_) == fault
    assert (fault in q.copy_faults(text, request_)) if fault else not q.copy_faults(text, request_)


def test_a_count_of_its_own_length_or_its_own_plan_is_chatter():
    assert q.chatter("新年好，万事如意。（955字）") == "（955字）"
    assert q.chatter("让我们迎接新的一年！（第1段）第二段：过年好！") == "（第1段）"
    assert q.chatter("开头。\n第二段：过年好！") == "\n第二段："
    assert q.chatter("作文的第二段写得最好。") is None
    assert q.chatter("我们一起走过了365天。") is None


def test_quality_group_shares():
    rows = [{"text": "王总，新年快乐，生日快乐！", "prompt": "给领导拜年"},
            {"text": "奶奶，新年好！（全文结束）", "prompt": "给奶奶拜年"},
            {"text": "祝您身体健康，万事如意！", "prompt": "给客户拜年"},
            {"text": "此致\n敬礼\n此致\n敬礼", "prompt": "写信"}]
    g = quality_group(rows)
    assert g["wrong_occasion"] == 0.25 and g["chatter"] == 0.25 and g["repeated_closing"] == 0.25
    assert g["stock_per_100"] == pytest.approx((0 + 0 + 2 / 12 * 100 + 0) / 4)
    assert g["invented_name"] == 0.25  # 王总: the request says only 领导
    assert g["wrong_addressee"] == 0.0 and g["details_covered"] is None  # 王总 is a leader's form; no details named
    assert g["number_junk"] == 0.0


# --- issue 18: the person, the reader, the details ---------------------------------------------------------

@pytest.mark.parametrize("text, request_, expected", [
    ("李总，新年好！", "给部门同事发一条拜年消息", "李总"),  # a leader the request never named
    ("小雪，新年好！感谢您的指导", "发给大学导师的拜年短信", "小雪"),  # a given name, tagged by jieba
    ("周爷爷，新年好！", "在家庭群中发送讨长辈欢心的拜年语", "周爷爷"),
    ("刘老师新年好！", "给前同事拜年", "刘老师"),
    ("老周，新年快乐！", "给打呼噜的室友拜年", "老周"),
    ("王总，新年好！", "给王总拜年", None),  # the request gave the name
    ("王哥，新年好！", "给老王拜年", None),  # the same surname: the same man
    ("老师，新年好！谢谢老师这一年的指导", "给导师拜年", None),  # 谢谢老师 is no 谢 surname
    ("各位同事，新年好！", "给部门同事拜年", None),
    ("小时候，我最盼过年。", "写过年的作文", None),  # 小时候 is no name
])
def test_invented_name(text, request_, expected):
    assert q.invented_name(text, request_) == expected


@pytest.mark.parametrize("text, request_, expected", [
    ("李总，新年好！", "给部门同事发一条拜年消息", "李总"),  # 同事 → a leader
    ("同学们，新年好！", "发给大学导师的拜年短信", "同学们"),  # 导师 → students
    ("周爷爷，新年好！", "在家庭群中发送讨长辈欢心的拜年语", "周爷爷"),  # the group → one grandfather
    ("各位同事，新年好！", "给部门同事发一条拜年消息", None),
    ("老师，新年好！", "发给大学导师的拜年短信", None),
    ("家人们，新年好！", "在家庭群中发送讨长辈欢心的拜年语", None),
    ("新春快乐！", "给部门同事发一条拜年消息", None),  # no salutation: nothing to judge
    ("各位伙伴，新年好！", "我是麦香烘焙的老板，年会上要致辞", None),  # the writer is the boss, not the reader
    ("王经理，新年好！", "给甲方的对接人拜年", None),  # a client is addressed by title
])
def test_wrong_addressee(text, request_, expected):
    assert q.wrong_addressee(text, request_) == expected


@pytest.mark.parametrize("request_, details", [
    ("给爸写封家书，提到第一次上门、下象棋、婚礼、寄来的腊肠", ["第一次上门", "下象棋", "婚礼", "寄来的腊肠"]),
    ("给在挪威读博的女朋友写封新年的信，提一下她寄来的明信片和极光", ["寄来的明信片", "极光", "挪威"]),
    ("今年和女朋友分开过年，她在哈尔滨我在广州，写句20字左右的情话", ["哈尔滨", "广州"]),
    ("给部门同事发一条拜年消息", []),  # nothing concrete named
    ("美食博主，口播稿，要求180-240字", []),  # a length is no detail
    # tone words in a list are how it should sound, not things to mention; a name with 阿 is a detail
    ("写一篇家书，郑重、真诚，有具体的往事：第一次上门、下象棋", ["第一次上门", "下象棋"]),
    ("给朋友阿楠写封信，要幽默、口语、接地气，暖心一点", ["阿楠"]),
])
def test_request_details(request_, details):
    assert q.request_details(request_) == details


def test_details_covered_counts_the_named_things():
    request = "给爸写封家书，提到第一次上门、下象棋、婚礼、寄来的腊肠"
    assert q.details_covered("爸：那年第一次上门，您陪我下象棋；婚礼上您哭了；腊肠收到了。", request) == 1.0
    assert q.details_covered("爸：新年好！祝您身体健康。", request) == 0.0
    assert q.details_covered("寄来的腊肠很香。", request) == 0.25  # 寄来的腊肠 alone
    assert q.details_covered("新年好", "给部门同事发一条拜年消息") is None


@pytest.mark.parametrize("text, expected", [
    ("新的一年，平安。新的一年，顺利。新的一年，常回家。", "新的一年"),  # a 4-字 phrase three times
    ("祝您阖家安康！愿您阖家安康。", "阖家安康"),  # a stock blessing twice in a short text
    ("新年快乐！新年快乐！", None),  # a doubled cheer, not a stock blessing
])
def test_repeated_phrase_tightened(text, expected):
    assert q.repeated_phrase(text) == expected
