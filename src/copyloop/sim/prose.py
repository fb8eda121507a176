"""Chinese marketing prose, titles, tags and tool-call arguments generated from a prompt's materials.

Everything here is deterministic given a ``random.Random``. Numbers in generated text come only from the
prompt's materials: the templates below contain no digits, and spec phrases are copied verbatim.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from copyloop.sim.tokens import message_text

# -----------------------------------------------------------------------------------------------
# Counting (Word's rule; identical to copyloop.counting.count_chars)

_TOKEN = regex.compile(r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*|(?=[^\x00-\x7f])\X")


def count_chars(text: str) -> int:
    """Return the Word-rule 字数: non-ASCII graphemes 1 each, ASCII word runs 1, the rest 0."""
    return sum(1 for _ in _TOKEN.finditer(text))


# ----------------------------------------------------------------------------------------------
# Prompt conventions

_DASH = r"(?:–|—|-|~|～|至|到|－|−)"
# ``字数：250–350 字``; the label is optional when the window ends in 字.
LENGTH_WINDOW_LABELLED = regex.compile(
    rf"(?:字数|篇幅|长度|正文)\s*[:：]?\s*(?:控制在|在|为)?\s*(\d{{1,5}})\s*(?:字)?\s*{_DASH}\s*(\d{{1,5}})"
)
LENGTH_WINDOW_BARE = regex.compile(rf"(\d{{1,5}})\s*(?:字)?\s*{_DASH}\s*(\d{{1,5}})\s*字")
REVISION_CUT = regex.compile(r"需?(?:删去|删减|删掉|缩减|减少)至少\s*(\d+)\s*字")
REVISION_ADD = regex.compile(r"需?(?:增加|补充|扩写|增补)至少\s*(\d+)\s*字")
ITEM_COUNT = regex.compile(r"共\s*(\d{1,3})\s*条|(\d{1,3})\s*个角度")
_PERSONA_LABEL = regex.compile(r"(?:目标)?(?:人群|人设|受众)\s*[:：]\s*([^\n]+)")
_POINT_LABEL = regex.compile(r"(?:核心)?卖点\s*[:：]\s*([^\n]+)")
_PRODUCT_LABEL = regex.compile(r"(?:车型名称|车型|产品名称|产品|车款|车名)\s*[:：]\s*([^\n]+)")
_LABEL_VALUE_END = regex.compile(r"[；;。|｜]|[，,]\s*\S{1,6}?[:：]|\s{2,}")
_LIST_SPLIT = regex.compile(r"\s*(?:[、/／，]|,\s*)\s*")
_BRACKETED = regex.compile(r"[（(][^）)]*[）)]")
_NO_TOOLS = regex.compile(
    r"不要调用工具|无需调用工具|不要使用工具|不调用工具|直接回答|do not call", regex.IGNORECASE
)

_CLAUSE_SPLIT = regex.compile(r"[，；。！？!?\n]|;\s*|,\s+")
# The innermost ``<materials ...>`` block (a prompt may also mention ``<materials>`` in its rules).
_MATERIALS_BLOCK = regex.compile(r"<materials\b([^>]*)>((?:(?!<materials\b).)*?)</materials>", regex.S)
_PRODUCT_ATTR = regex.compile(r"""product\s*=\s*["']([^"']+)["']""")
_LEADING_LABEL = regex.compile(r"^([^\d\s:：]{1,8})[:：]\s*(?=[^\d\s])")
_ROW = regex.compile(r"人群\s*[:：]\s*([^；;，,|｜\n]+?)\s*[；;，,|｜\s]\s*卖点\s*[:：]\s*([^；;，,|｜\n]+)")
_INSTRUCTION = regex.compile(
    r"字数|评分|打分|得分|满分|/\s*10\b|删去|增加至少|不超过|不少于|输出|格式|示例|请|要求|[{}]|\d+\s*(?:字|条|篇|个角度|分(?!钟))|第\s*\d+"
)
_BULLET = regex.compile(r"^\s*(?:[-*•·>#]+|\d+[.、)）](?!\d))\s*")
_COLON = regex.compile(r"(?<!\d)[:：]\s*|[:：]\s*(?!\d)")
_LABEL_LINE = regex.compile(r"^\s*(?:目标)?(?:人群|人设|受众|卖点|核心卖点|车型|产品|平台|角度|场景)\s*[:：]")
_ANGLE_LABEL = regex.compile(r"(?:角度|场景|切入点)\s*[:：]\s*([^\n]+)")
_TAG = regex.compile(r"</?[A-Za-z_][\w-]*(?:\s[^<>]*)?>")


def last_user_text(messages: Sequence[Any]) -> str:
    """Return the text of the last user message (or of the last message if none is from the user)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message.get("content"))
    if messages and isinstance(messages[-1], dict):
        return message_text(messages[-1].get("content"))
    return ""


def all_text(messages: Sequence[Any]) -> str:
    """Return every message's text joined by newlines."""
    return "\n".join(message_text(m.get("content")) for m in messages if isinstance(m, dict))


def find_length_window(text: str) -> tuple[int, int] | None:
    """Return ``(min, max)`` from a window like ``字数：250–350 字`` (also ``-``, ``~``, ``～``, ``至``)."""
    match = LENGTH_WINDOW_LABELLED.search(text) or LENGTH_WINDOW_BARE.search(text)
    if not match:
        return None
    low, high = int(match.group(1)), int(match.group(2))
    if low > high:
        low, high = high, low
    return (low, high) if high > 0 else None


def find_revision(text: str) -> tuple[str, int] | None:
    """Return ``("cut", n)`` for ``需删去至少 N 字`` or ``("add", n)`` for ``需增加至少 N 字``."""
    cut = REVISION_CUT.search(text)
    if cut:
        return "cut", int(cut.group(1))
    add = REVISION_ADD.search(text)
    if add:
        return "add", int(add.group(1))
    return None


def find_item_count(text: str) -> int | None:
    """Return N from ``共 N 条`` or ``N 个角度`` if present."""
    match = ITEM_COUNT.search(text)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def _label_values(pattern: regex.Pattern[str], text: str) -> list[str]:
    match = pattern.search(text)
    if not match:
        return []
    value = _BRACKETED.sub("", match.group(1))
    value = regex.sub(r"[（(].*$", "", value)  # an unclosed remark runs to the end of the line
    end = _LABEL_VALUE_END.search(value)
    if end:
        value = value[: end.start()]
    items = []
    for part in _LIST_SPLIT.split(value):
        part = part.strip(" \t*`\"'“”「」【】[]")
        if part and part not in items:
            items.append(part)
    return items


def _short(label: str) -> str:
    """Strip bracketed remarks and whitespace from a persona/selling-point/product label."""
    cleaned = _BRACKETED.sub("", label).strip()
    return cleaned or label.strip()


# ----------------------------------------------------------------------------------------------
# Materials


@dataclass
class Materials:
    """Hold what the generator knows from a prompt: specs, personas, selling points, product, conventions."""

    specs: list[str] = field(default_factory=list)
    personas: list[str] = field(default_factory=list)
    points: list[str] = field(default_factory=list)
    product: str = ""
    window: tuple[int, int] | None = None
    revision: tuple[str, int] | None = None
    item_count: int | None = None
    wants_body: bool = False
    wants_title: bool = False
    wants_tags: bool = False
    forbids_tools: bool = False
    angle: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)


def extract_specs(text: str, limit: int = 40) -> list[str]:
    """Return verbatim clauses of ``text`` that carry a number (specs), skipping instruction lines."""
    specs: list[str] = []
    for raw_line in text.splitlines():
        line = _TAG.sub(" ", raw_line).strip()
        if not line or _INSTRUCTION.search(line) or _LABEL_LINE.match(line):
            continue
        line = _BULLET.sub("", line)
        for clause in _CLAUSE_SPLIT.split(line):
            clause = _clean_clause(clause)
            if not regex.search(r"\d", clause) or not regex.search(r"[^\d\s.,%]", clause):
                continue
            if not 2 <= count_chars(clause) <= 36 or clause in specs:
                continue
            specs.append(clause)
            if len(specs) >= limit:
                return specs
    return specs


def _clean_clause(clause: str) -> str:
    """Tidy one clause: drop a leading category label, cut at an unclosed bracket, squeeze spaces."""
    clause = clause.strip(" \t*`\"'“”")
    clause = _LEADING_LABEL.sub("", clause)  # ``尺寸：长 4980 mm`` -> ``长 4980 mm``
    clause = _COLON.sub(" ", clause)  # ``轴距：2950 mm`` -> ``轴距 2950 mm``
    opened = max(clause.rfind("（"), clause.rfind("("))
    closed = max(clause.rfind("）"), clause.rfind(")"))
    if opened > closed:
        clause = clause[:opened]
    elif closed > opened and clause.count("（") + clause.count("(") < clause.count("）") + clause.count(")"):
        clause = clause[closed + 1 :]
    return regex.sub(r"\s{2,}", " ", clause).strip(" \t、")


def _materials_text(everything: str) -> tuple[str, str]:
    """Return (text to take specs from, product name from ``<materials product="...">``)."""
    blocks = list(_MATERIALS_BLOCK.finditer(everything))
    if not blocks:
        return everything, ""
    product = next((m.group(1) for b in blocks if (m := _PRODUCT_ATTR.search(b.group(1)))), "")
    return "\n".join(b.group(2) for b in blocks), product.strip()


def extract_materials(messages: Sequence[Any]) -> Materials:
    """Collect materials and prompt conventions from the request's messages."""
    last = last_user_text(messages)
    everything = all_text(messages)
    personas = _label_values(_PERSONA_LABEL, last) or _label_values(_PERSONA_LABEL, everything)
    points = _label_values(_POINT_LABEL, last) or _label_values(_POINT_LABEL, everything)
    products = _label_values(_PRODUCT_LABEL, last) or _label_values(_PRODUCT_LABEL, everything)
    angle = _ANGLE_LABEL.search(last)
    spec_text, product = _materials_text(everything)
    rows = [(_short(m.group(1)), _short(m.group(2))) for m in _ROW.finditer(last)]
    if len(rows) > 1:
        personas = list(dict.fromkeys(p for p, _ in rows))
        points = list(dict.fromkeys(q for _, q in rows))
    return Materials(
        specs=extract_specs(spec_text),
        personas=[_short(p) for p in personas],
        points=[_short(p) for p in points],
        product=product or (_short(products[0]) if products else ""),
        rows=rows if len(rows) > 1 else [],
        window=find_length_window(last) or find_length_window(everything),
        revision=find_revision(last),
        item_count=find_item_count(last),
        wants_body="<body>" in everything,
        wants_title="<title>" in everything,
        wants_tags="<tags>" in everything,
        forbids_tools=bool(_NO_TOOLS.search(last)),
        angle=angle.group(1).strip() if angle else "",
    )


# ----------------------------------------------------------------------------------------------
# Text pools (no digits anywhere, no absolute terms)

_PERSONA_KEYS: list[tuple[str, tuple[str, ...]]] = [
    ("family", ("宝妈", "奶爸", "二胎", "亲子", "家庭", "妈妈", "爸爸", "带娃", "三口", "多孩")),
    ("parents", ("孝子", "父母", "长辈", "爸妈", "老人", "孝顺")),
    ("couple", ("小夫妻", "夫妻", "新婚", "情侣", "小两口")),
    ("outdoor", ("露营", "户外", "自驾", "越野", "旅行")),
    ("female", ("女性", "女生", "女车主", "姐妹", "女司机")),
    ("young", ("职场", "新人", "世代", "年轻", "学生", "毕业", "打工")),
    ("upgrade", ("中产", "换购", "增购", "商务", "精英")),
]

_POINT_KEYS: list[tuple[str, tuple[str, ...]]] = [
    ("assist", ("辅助驾驶", "驾驶辅助", "泊车", "ADAS", "领航", "巡航", "车道")),
    ("safety", ("安全", "气囊", "碰撞", "车身", "NCAP", "AEB", "高强度钢", "ISOFIX", "儿童锁")),
    ("space", ("空间", "后备箱", "储物", "七座", "三排", "大座", "轴距", "放倒", "滑动", "座布局")),
    ("comfort", ("舒适", "静谧", "NVH", "座椅", "悬架", "隔音", "通风", "加热")),
    ("cockpit", ("智能", "座舱", "车机", "语音", "屏")),
    ("power", ("动力", "操控", "加速", "驾控", "底盘", "功率", "零百", "发动机", "电机")),
    ("range", ("续航", "能耗", "油耗", "省油", "省电", "电耗")),
    ("charge", ("补能", "充电", "快充", "换电", "放电")),
    ("design", ("设计", "颜值", "外观", "内饰", "造型")),
    ("price", ("价格", "权益", "优惠", "性价比", "落地", "金融", "指导价", "万元")),
    ("warranty", ("保值", "质保", "售后", "保养")),
]

_PERSONA_NAMES = {
    "family": "宝妈",
    "parents": "孝子",
    "couple": "小夫妻",
    "outdoor": "露营玩家",
    "female": "女车主",
    "young": "职场新人",
    "upgrade": "换购家庭",
    "generic": "家用车主",
}
_POINT_NAMES = {
    "assist": "辅助驾驶",
    "safety": "安全",
    "comfort": "舒适",
    "cockpit": "智能座舱",
    "space": "空间",
    "power": "动力",
    "range": "续航",
    "charge": "补能",
    "design": "设计",
    "price": "价格权益",
    "warranty": "质保",
    "generic": "日常好用",
}

_SCENES: dict[str, list[str]] = {
    "family": [
        "周末带两个孩子去郊外露营，后备箱装下推车和帐篷",
        "早上先送老大上学，再带老二去早教，两个娃在后排安安静静",
        "下雨天接孩子放学，安全座椅和书包都能从容安顿好",
        "回老家过年，后排坐着孩子和外婆，后备箱塞满年货也不挤",
        "带娃去医院打疫苗，推车一折就放进后备箱",
        "周末全家去公园野餐，孩子在后排睡着了也没被颠醒",
        "暑假自驾去海边，儿童座椅、泳圈和行李一次装下",
        "晚上带孩子去上兴趣班，停车、抱娃、拿东西一气呵成",
    ],
    "parents": [
        "周末接爸妈去郊区看老朋友，妈妈上下车再也不用扶着门框",
        "陪父亲去医院复查，一路平稳，他在后排还打了个盹",
        "春节开车带爸妈回老家，几个小时下来老人也不觉得累",
        "带妈妈去早市买菜，米面油往后备箱一放就行",
        "下雨天接爸妈去喝喜酒，车里安静得能好好聊天",
        "陪老人去公园晨练，停车和上下车都很方便",
        "周末带爸妈去山里泡温泉，弯道多也不晕车",
        "爸妈来城里小住，每天接送他们逛公园、看孙子",
    ],
    "couple": [
        "下班后和另一半去城郊吃晚饭，路上聊着周末的计划",
        "周末两个人说走就走，去邻市看一场展",
        "工作日各自通勤，早晚高峰穿过市区也开得轻松",
        "搬新家那天，后排放倒装下了不少纸箱",
        "纪念日开车去海边看日落，回程路上放着喜欢的歌",
        "周五晚上约朋友看露天电影，后备箱一打开就是小客厅",
        "回双方父母家吃饭，后备箱装满了爸妈塞的土特产",
        "假期两个人沿着湖边自驾，走走停停拍了很多照片",
    ],
    "outdoor": [
        "周末带上帐篷和天幕去山里露营，后备箱一次装满",
        "沿着山路自驾去看日出，凌晨出发也不觉得累",
        "雨后的土路也开得稳稳当当，营地就在前面",
        "和朋友去湖边钓鱼，渔具和折叠桌椅都塞得下",
        "长假一路向西自驾，车就是移动的小家",
        "傍晚到营地，打开尾门就能煮一壶咖啡",
        "带狗狗去郊外撒欢，回来后排铺个垫子就行",
        "冬天去雪场，雪板和厚衣服一股脑装进车里",
    ],
    "female": [
        "在商场地库找到一个窄车位，一把就停进去了",
        "下班晚了独自开车回家，车里很有安全感",
        "周末约闺蜜去郊外拍照，后备箱放满野餐装备",
        "早上送完孩子直接去公司，路上还能补个妆",
        "雨天穿着高跟鞋开车，上下车也不狼狈",
        "和姐妹们去古镇玩，一路说说笑笑不觉得远",
        "去超市大采购，东西再多后备箱也装得下",
        "小区车位紧张，倒车入库也不再手忙脚乱",
    ],
    "young": [
        "每天早上通勤，上车用语音把导航和歌单都安排好",
        "周末和朋友去城郊咖啡店打卡，路上放着新歌",
        "下班路上堵车，车机里放着喜欢的播客也不烦",
        "月底算了算账，用车成本比想象中低不少",
        "假期一个人开车去看海，路上全程很安心",
        "加班到深夜开车回家，车里是一天中难得的安静时光",
        "搬到新城市，周末开车把周边小城都逛了一遍",
        "朋友聚会散场，顺路把大家一个个送回家",
    ],
    "upgrade": [
        "工作日往返客户公司，车里安静得可以随时接电话",
        "周末带家人跑一趟长途，高速上辅助驾驶帮忙分担不少疲劳",
        "换车之后，每天上下班成了难得的独处时间",
        "出差回来开车回家，座椅一调整个人都松下来",
        "带父母和孩子一起出游，一车人都坐得舒服",
        "周末去郊区打球，球包和换洗衣服放得整整齐齐",
        "接待来访的朋友，车内的质感很拿得出手",
        "晚上和家人去江边兜风，车里安静得能听清彼此说话",
    ],
    "generic": [
        "周末一家人出门郊游，吃的用的都能带上",
        "每天通勤上下班，开起来轻松不累",
        "假期自驾去周边城市，长途也不觉得疲惫",
        "下雨天接家人回家，车里干爽又安静",
        "节假日回老家，行李和年货一次装下",
        "傍晚带家人去江边散步，停车也方便",
        "和朋友去郊外爬山，装备都能塞进后备箱",
        "晚上下班去超市采购，东西再多也不愁放",
    ],
}

_HOOKS: dict[str, list[str]] = {
    "family": [
        "作为两个娃的妈妈，选车这件事我真的纠结了很久。",
        "有娃之后才明白，家用车好不好用，细节说了算。",
    ],
    "parents": ["给爸妈选车，我比给自己买车还上心。", "爸妈年纪大了，坐车舒不舒服我一直放在心上。"],
    "couple": ["结婚后的第一台车，我们俩商量了整整一个月。", "小两口买车，既要好看又要实用，还得不心疼钱。"],
    "outdoor": ["喜欢往山里跑的人，对车的要求真的不一样。", "露营装备越买越多，换车这件事终于提上日程。"],
    "female": ["作为一个开车不算老练的女生，我选车很看重安心。", "姐妹们，选车别只看颜值，好开才是真的香。"],
    "young": ["工作没几年，买车这件事我算得特别细。", "刚上班的我，想要一台开着开心、养着不累的车。"],
    "upgrade": ["这是家里的第二台车，这次我更在意品质感。", "换车之前我试驾了不少车型，这台让我停了下来。"],
    "generic": [
        "这段时间身边好几个朋友都在问我这台车开得怎么样。",
        "开了一阵子，想认真聊聊这台车的真实感受。",
    ],
}

_PAINS: dict[str, list[str]] = {
    "family": ["以前的车一装推车就塞不下别的东西", "两个安全座椅一装，后排就挤得转不开身"],
    "parents": ["以前爸妈坐车总说腰酸、上车费劲", "老人晕车，长途一趟下来脸色都不好"],
    "couple": ["预算有限，又不想将就", "通勤和周末出游，一台车要兼顾两种生活"],
    "outdoor": ["装备多到后备箱关不上", "到了营地想用个电都麻烦"],
    "female": ["窄车位总让人手心冒汗", "晚上一个人开车总有点不踏实"],
    "young": ["油费、保养这些开销让人心里打鼓", "通勤堵车的时间总觉得被浪费了"],
    "upgrade": ["老车开久了，噪音和颠簸越来越明显", "对品质的要求变高了，普通的车已经打动不了我"],
    "generic": ["以前的车开久了，总有些小地方不顺心", "选车时参数看了一大堆，还是拿不准"],
}

_BENEFITS: dict[str, list[str]] = {
    "space": [
        "后排腿部空间宽裕，坐久了也不憋屈",
        "后备箱方正规整，推车和行李箱都能放下",
        "座椅放倒之后，装大件也很从容",
        "车内储物格多，零碎小物件都有地方放",
        "一家人出门，谁都不用挤着坐",
    ],
    "safety": [
        "车身结构扎实，一家人坐着心里踏实",
        "安全配置齐全，开起来更安心",
        "主动安全功能随时在线，帮忙盯着路况",
        "把家人放在车里，这份安全感很重要",
        "遇到突发状况，车子的反应让人放心",
    ],
    "comfort": [
        "座椅包裹性好，长途下来腰不酸",
        "过减速带时滤震干脆，车里的人不会被颠醒",
        "关上车门，外面的嘈杂一下子远了",
        "悬架调校偏舒适，老人孩子都坐得舒服",
        "车内安静，聊天不用提高嗓门",
    ],
    "cockpit": [
        "语音助手反应快，开车时不用低头找按键",
        "车机流畅好上手，爸妈也能很快学会",
        "导航、音乐、空调一句话就能搞定",
        "大屏显示清楚，信息一眼就能看明白",
        "手机和车机连接顺畅，上车就能接着听歌",
    ],
    "assist": [
        "辅助驾驶在高速上能分担疲劳，但双手始终要握住方向盘",
        "遇到拥堵路段，辅助驾驶让跟车轻松不少",
        "泊车辅助帮了大忙，窄车位也不再发愁",
        "辅助驾驶是帮手不是司机，注意力一刻也不能离开路面",
    ],
    "power": [
        "起步轻快，超车时心里有底",
        "转向精准，城市里穿行很灵活",
        "高速上提速从容，不会有吃力的感觉",
        "底盘扎实，过弯时车身很稳",
    ],
    "range": [
        "日常通勤一周才补一次能，省心不少",
        "算下来每公里的花费很低，养车压力小",
        "跑长途也不用一路盯着续航焦虑",
        "能耗控制得好，钱包明显松了一口气",
    ],
    "charge": [
        "充电速度快，喝杯咖啡的工夫就补得差不多",
        "小区和商场都能充，补能很方便",
        "出门前充上电，回来还有富余",
    ],
    "design": [
        "外观耐看，停在小区里常有人多看两眼",
        "内饰做工细致，摸上去很有质感",
        "车身线条干净利落，越看越顺眼",
    ],
    "price": [
        "这个价位能拿到这些配置，真的很实在",
        "购车权益给得足，算下来挺划算",
        "落地价在预算之内，还不用在配置上妥协",
    ],
    "warranty": [
        "质保政策让人放心，后期用车没什么顾虑",
        "保养费用不高，长期用车成本可控",
        "售后服务响应快，有问题很快就能解决",
    ],
    "generic": [
        "日常用车的各种小需求都照顾到了",
        "开起来轻松，用起来省心",
        "细节做得用心，越开越能体会到",
    ],
}

_SPEC_TEMPLATES = [
    "{spec}，{benefit}。",
    "实际用下来，{spec}，{benefit}。",
    "说个具体的：{spec}，{benefit}。",
    "{spec}这一点我特别在意，{benefit}。",
    "别小看{spec}，{benefit}。",
]
_SCENE_TEMPLATES = [
    "{scene}。",
    "想象一下：{scene}。",
    "就拿上周来说，{scene}。",
    "{scene}，这种日子真的很舒服。",
]
_PAIN_TEMPLATES = ["{pain}，这次终于不用再将就了。", "说实话，{pain}，现在完全没这个烦恼。"]
_CLOSERS = [
    "如果你也在看同级别的家用车，真的可以去店里坐一坐、试一试。",
    "选车没有标准答案，适合自己的才是好车。",
    "周末有空的话，去试驾感受一下吧～",
    "好不好开，亲自坐进去就知道了。",
    "希望这些真实感受，能帮到正在选车的你。",
]
_EMOJI = ["🚗", "✨", "💡", "👍", "❤️", "🌿", "😊", "🙌", "👨‍👩‍👧", "🏕️"]
_FILLERS = [
    "值！",
    "稳！",
    "爱了！",
    "真香！",
    "很安心。",
    "很省心。",
    "越开越爱。",
    "全家都满意。",
    "这钱花得值。",
    "开着就是舒服。",
    "家里人都说好。",
    "日常用车很从容。",
    "每次出门都很省心。",
    "真的是越开越喜欢。",
    "家里人都说这次选对了。",
    "开久了才知道细节有多重要。",
    "这种踏实感是参数表给不了的。",
    "身边朋友坐过之后也开始心动了。",
    "日常用车的幸福感一下子提上来了。",
]
_TITLE_TEMPLATES = [
    "{persona}选车｜{product}的{point}太懂我了",
    "{product}{point}实测，{persona}直呼省心",
    "{persona}真实分享：{product}{point}有多香",
    "开了{product}才知道，{point}有多重要",
    "{persona}必看｜{product}{point}体验",
    "{point}党看过来｜{product}用车日记",
    "{persona}的用车日常：{point}真的加分",
]
_SUGGESTIONS = [
    "开头更快进入{persona}的真实场景，少一些铺垫",
    "把{point}的参数换算成日常能感受到的好处",
    "结尾加一句行动建议，比如约个周末试驾",
    "减少形容词堆砌，多用具体的使用细节",
    "删去重复的感受描述，让篇幅更紧凑",
    "补充一个具体的用车细节，让场景更可信",
    "语气再口语化一些，像朋友之间聊天",
    "段落再短一点，方便在手机上阅读",
    "写出{persona}的具体痛点，避免空泛的情绪词",
    "标题可以更突出{point}带来的变化",
    "数据后面补上对应的生活场景，避免只罗列参数",
    "情绪表达再克制一点，真实感会更强",
]
_REASONS = [
    "场景贴近{persona}的日常，{point}和具体参数结合得比较自然",
    "文案把{point}落到了具体的使用细节上，情绪表达真实",
    "整体口语化、有代入感，个别句子略显重复",
    "{persona}的痛点写得具体，{point}的好处讲得清楚",
    "结构清晰、节奏紧凑，场景描写还可以再细一点",
    "卖点有参数支撑，能看出是{persona}真实用车的感受",
]
_ISSUES = [
    "个别句子偏长，读起来有点费劲",
    "{point}的描述略显笼统",
    "结尾号召力稍弱",
    "场景和卖点之间的衔接可以更紧密",
]
_EMOTIONS = [
    "那一刻觉得，这钱花得真值",
    "心里一下子踏实了",
    "家里人脸上的笑容说明了一切",
    "原来好车是能让生活松一口气的",
]
_PHRASES = ["日常通勤", "周末出游", "家庭用车", "长途自驾", "城市代步", "全家出行"]


def _key_for(text: str, table: list[tuple[str, tuple[str, ...]]]) -> str:
    for key, words in table:
        if any(word in text for word in words):
            return key
    return "generic"


# ----------------------------------------------------------------------------------------------
# Length targets


def draw_target(rng: random.Random, window: tuple[int, int] | None, revision: tuple[str, int] | None) -> int:
    """Draw a target 字数 like a real model would land: often inside the window, mostly over when not."""
    if window is None:
        return rng.randint(270, 330)
    low, high = window
    if revision is not None:
        if rng.random() < 0.85:
            return rng.randint(low, high)
        over = revision[0] == "cut"
        frac = rng.uniform(0.03, 0.12)
    else:
        if rng.random() < 0.6:
            return rng.randint(low, high)
        over = rng.random() < 0.75
        frac = rng.uniform(0.05, 0.25)
    if over:
        return high + max(1, round(high * frac))
    return max(1, low - max(1, round(low * frac)))


# ----------------------------------------------------------------------------------------------
# Writer


class Writer:
    """Generate sentences, bodies, titles, tags and short fields for one persona and selling point."""

    def __init__(
        self, rng: random.Random, materials: Materials, persona: str | None = None, point: str | None = None
    ) -> None:
        """Bind the writer to a random source, the materials and an optional persona/selling point."""
        self.rng = rng
        self.materials = materials
        self.persona = (
            persona if persona is not None else (materials.personas[0] if materials.personas else "")
        )
        self.point = point if point is not None else (materials.points[0] if materials.points else "")
        self.persona_key = _key_for(self.persona, _PERSONA_KEYS)
        self.point_key = _key_for(self.point, _POINT_KEYS)

    def for_item(self, index: int) -> Writer:
        """Return a writer for item ``index``: the prompt's rows in order, else personas x points."""
        if self.materials.rows:
            persona, point = self.materials.rows[index % len(self.materials.rows)]
            return Writer(self.rng, self.materials, persona, point)
        personas = self.materials.personas or [_PERSONA_NAMES[k] for k, _ in _PERSONA_KEYS[:3]]
        points = self.materials.points or ["空间", "安全"]
        persona = personas[index % len(personas)]
        point = points[(index // len(personas)) % len(points)]
        return Writer(self.rng, self.materials, persona, point)

    # -- names --------------------------------------------------------------------------------
    @property
    def persona_name(self) -> str:
        """Return the persona label to write about."""
        return self.persona or _PERSONA_NAMES[self.persona_key]

    @property
    def point_name(self) -> str:
        """Return the selling-point label to write about."""
        return self.point or _POINT_NAMES[self.point_key]

    @property
    def product_name(self) -> str:
        """Return the product name, or a neutral stand-in."""
        return self.materials.product or "这台车"

    def _fill(self, template: str) -> str:
        return template.format(persona=self.persona_name, point=self.point_name, product=self.product_name)

    # -- sentences ----------------------------------------------------------------------------
    def scene(self) -> str:
        """Return a concrete scene from the persona's life (no final punctuation)."""
        return self.rng.choice(_SCENES[self.persona_key])

    def scenes(self) -> list[str]:
        """Return the persona's scene pool shuffled."""
        pool = list(_SCENES[self.persona_key])
        self.rng.shuffle(pool)
        return pool

    def benefit(self) -> str:
        """Return a benefit clause for the selling point."""
        return self.rng.choice(_BENEFITS[self.point_key])

    def hook(self) -> str:
        """Return an opening sentence in the persona's voice."""
        return self.rng.choice(_HOOKS[self.persona_key])

    def pain(self) -> str:
        """Return one of the persona's pain points."""
        return self.rng.choice(_PAINS[self.persona_key])

    def emotion(self) -> str:
        """Return a short emotional line."""
        return self.rng.choice(_EMOTIONS)

    def reason(self) -> str:
        """Return a reviewer's one-sentence rationale."""
        return self._fill(self.rng.choice(_REASONS)) + "。"

    def suggestion(self) -> str:
        """Return one revision suggestion."""
        return self._fill(self.rng.choice(_SUGGESTIONS))

    def suggestion_pool(self) -> list[str]:
        """Return every suggestion, shuffled, for drawing distinct ones."""
        pool = [self._fill(s) for s in _SUGGESTIONS]
        self.rng.shuffle(pool)
        return pool

    def issue(self) -> str:
        """Return a short problem statement about a draft."""
        return self._fill(self.rng.choice(_ISSUES))

    def phrase(self) -> str:
        """Return a short generic phrase."""
        return self.rng.choice([*_PHRASES, self.point_name, self.persona_name])

    def tag(self) -> str:
        """Return one hashtag."""
        return self.rng.choice(self.tags(6))

    def title(self) -> str:
        """Return a title of about 10–18 字 from persona, selling point and product."""
        templates = list(_TITLE_TEMPLATES)
        self.rng.shuffle(templates)
        fallback = ""
        for template in templates:
            title = self._fill(template)
            if self.rng.random() < 0.3:
                title += self.rng.choice(_EMOJI[:6])
            if 10 <= count_chars(title) <= 18:
                return title
            if not fallback or abs(count_chars(title) - 14) < abs(count_chars(fallback) - 14):
                fallback = title
        return fallback

    def tags(self, limit: int | None = None) -> list[str]:
        """Return 3–6 distinct hashtags from persona, selling point and product."""
        words = [self.persona_name, self.point_name, self.product_name if self.materials.product else ""]
        words += [f"{self.persona_name}好物", "家用车推荐", "购车攻略", "用车日常", "真实车评"]
        tags: list[str] = []
        for word in words:
            tag = "#" + regex.sub(r"[\s#]+", "", word)
            if len(tag) > 1 and tag not in tags:
                tags.append(tag)
        count = limit or self.rng.randint(3, 6)
        fixed = 3 if self.materials.product else 2
        head, rest = tags[:fixed], tags[fixed:]
        self.rng.shuffle(rest)
        return (head + rest)[: max(3, min(count, len(tags)))]

    def _sentences(self) -> Iterator[str]:
        """Yield body sentences: hook, scene, then specs, benefits, scenes and feelings interleaved."""
        rng = self.rng
        yield self.hook()
        scenes = self.scenes()
        if self.materials.angle:
            scenes.insert(0, self.materials.angle.rstrip("。.！!"))
        scene_templates = rng.sample(_SCENE_TEMPLATES, len(_SCENE_TEMPLATES))
        yield scene_templates[0].format(scene=scenes[0])
        pools = {key: rng.sample(pool, len(pool)) for key, pool in _BENEFITS.items()}
        used: set[str] = set()

        def benefit_for(key: str) -> str:
            for k in (key, self.point_key, "generic"):
                for candidate in pools[k]:
                    if candidate not in used:
                        used.add(candidate)
                        return candidate
            return rng.choice(pools[self.point_key])

        shuffled = rng.sample(self.materials.specs, len(self.materials.specs))
        # Specs that back the selling point come first, as a writer would pick them.
        shuffled.sort(key=lambda spec: _key_for(spec, _POINT_KEYS) != self.point_key)
        specs = iter(shuffled)
        spec_templates = rng.sample(_SPEC_TEMPLATES, len(_SPEC_TEMPLATES))
        spec_count = 0
        others = [rng.choice(_PAIN_TEMPLATES).format(pain=p) for p in _PAINS[self.persona_key]]
        others += [e + "。" for e in _EMOTIONS]
        rng.shuffle(others)
        plan = ["spec", "benefit", "spec", "scene", "spec", "other", "spec", "benefit", "scene", "other"]
        counters = {"scene": 1, "other": 0}
        for step in range(200):
            kind = plan[step % len(plan)]
            if kind == "spec":
                spec = next(specs, None)
                if spec is not None:
                    key = _key_for(spec, _POINT_KEYS)
                    benefit = benefit_for(self.point_key if key == "generic" else key)
                    template = spec_templates[spec_count % len(spec_templates)]
                    spec_count += 1
                    yield template.format(spec=spec, benefit=benefit)
            elif kind == "benefit":
                yield benefit_for(self.point_key) + "。"
            elif kind == "scene":
                index = counters["scene"]
                counters["scene"] += 1
                template = scene_templates[index % len(scene_templates)]
                yield template.format(scene=scenes[index % len(scenes)])
            else:
                yield others[counters["other"] % len(others)]
                counters["other"] += 1

    def filler(self, need: int) -> str:
        """Return digit-free closing words that count exactly ``need`` 字."""
        by_len: dict[int, list[str]] = {}
        for text in _FILLERS:
            by_len.setdefault(count_chars(text), []).append(text)
        out: list[str] = []
        remaining = need
        guard = 0
        while remaining > 0 and guard < 500:
            guard += 1
            if remaining == 1:
                out.append(self.rng.choice(_EMOJI[:8]))
                break
            if remaining in by_len and (remaining <= 9 or self.rng.random() < 0.5):
                out.append(self.rng.choice(by_len[remaining]))
                break
            fits = [t for t in _FILLERS if count_chars(t) <= remaining - 2 or count_chars(t) == remaining]
            unused = [t for t in fits if t not in out] or fits
            pick = self.rng.choice(unused)
            out.append(pick)
            remaining -= count_chars(pick)
        return "".join(out)

    def body(self, target: int) -> str:
        """Return paragraphs of prose that count exactly ``target`` 字 (for any target >= 1)."""
        rng = self.rng
        closer = rng.choice(_CLOSERS)
        budget = target - count_chars(closer)
        if budget < 30:
            closer, budget = "", target
        paragraphs: list[list[str]] = [[]]
        total = 0
        per_paragraph = rng.randint(2, 3)
        misses = 0
        for sentence in self._sentences():
            size = count_chars(sentence)
            if total + size > budget:
                misses += 1
                if misses > 8:
                    break
                continue
            if len(paragraphs[-1]) >= per_paragraph:
                if rng.random() < 0.35 and total + size + 1 <= budget:
                    paragraphs[-1].append(rng.choice(_EMOJI))
                    total += 1
                paragraphs.append([])
                per_paragraph = rng.randint(2, 3)
            paragraphs[-1].append(sentence)
            total += size
        paragraphs[-1].append(self.filler(budget - total))
        parts = ["".join(p) for p in paragraphs if "".join(p)]
        if closer:
            parts.append(closer)
        text = "\n\n".join(parts)
        # Guard against joins that merge ASCII runs: fix any residual difference with the filler.
        for _ in range(3):
            diff = target - count_chars(text)
            if diff == 0:
                break
            if diff > 0:
                text += self.filler(diff)
            else:
                text = _trim_tail(text, -diff)
        return text


def _trim_tail(text: str, excess: int) -> str:
    """Drop trailing graphemes until ``excess`` counted 字 are gone (only used as a last resort)."""
    graphemes = regex.findall(r"\X", text)
    while excess > 0 and graphemes:
        last = graphemes.pop()
        excess -= count_chars(last)
    return "".join(graphemes)


# ----------------------------------------------------------------------------------------------
# Prose replies


def write_prose(rng: random.Random, materials: Materials, generic: bool = False) -> str:
    """Return the assistant's prose reply: plain body, or the ``<title>/<body>/<tags>`` format if asked."""
    if generic:
        materials = dataclasses.replace(materials, personas=[], points=[])
    writer = Writer(rng, materials)
    target = draw_target(rng, materials.window, materials.revision)
    body = writer.body(target)
    if not materials.wants_body:
        return body
    parts = []
    if materials.wants_title:
        parts.append(f"<title>{writer.title()}</title>")
    parts.append(f"<body>\n{body}\n</body>")
    if materials.wants_tags:
        parts.append("<tags>" + " ".join(writer.tags()) + "</tags>")
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------------
# JSON Schema filling for tool calls

_SCORE_VALUES = [5, 6, 7, 8, 9, 10]
_SCORE_WEIGHTS = [0.02, 0.03, 0.05, 0.25, 0.35, 0.30]

_HINTS: list[tuple[str, regex.Pattern[str]]] = [
    ("suggestion", regex.compile(r"suggest|advice|improve|fix|建议|修改|改进", regex.I)),
    (
        "reason",
        regex.compile(
            r"reason|rational|explain|explanation|comment|feedback|critique|summary|评语|理由|原因|分析|总结|点评",
            regex.I,
        ),
    ),
    ("issue", regex.compile(r"issue|problem|violation|weakness|问题|不足", regex.I)),
    ("title", regex.compile(r"title|headline|标题", regex.I)),
    ("scene", regex.compile(r"angle|scene|scenario|situation|story|场景|角度|情境|切入", regex.I)),
    ("persona", regex.compile(r"persona|audience|人群|人设|受众|target", regex.I)),
    ("pain", regex.compile(r"pain|痛点", regex.I)),
    ("point", regex.compile(r"selling|point|feature|highlight|卖点|亮点", regex.I)),
    ("hook", regex.compile(r"hook|opening|开头|钩子", regex.I)),
    ("emotion", regex.compile(r"emotion|feeling|情感|情绪", regex.I)),
    ("tag", regex.compile(r"(?:^|_)tags?(?:$|_)|hashtag|keyword|标签|关键词|话题", regex.I)),
    ("body", regex.compile(r"body|content|text|copy|draft|article|正文|文案|内容", regex.I)),
    ("product", regex.compile(r"product|^model$|car_?model|车型|产品", regex.I)),
    ("ident", regex.compile(r"^(?:id|slug|key)$|_id$", regex.I)),
]
_SCORE_NAME = regex.compile(r"score|rating|grade|分", regex.I)
_PASS_NAME = regex.compile(r"pass|(?:^|_)ok(?:$|_)|valid|compliant|approve|accept|合格|通过", regex.I)
_LIST_OF_EXTRAS = regex.compile(
    r"suggest|(?:^|_)tags?(?:$|_)|hashtag|issue|problem|keyword|建议|标签|问题", regex.I
)


def _hint(name: str, schema: dict[str, Any]) -> str:
    for key, pattern in _HINTS:
        if pattern.search(name):
            return key
    desc = f"{schema.get('title', '')} {schema.get('description', '')}"
    for key, pattern in _HINTS:
        if key != "ident" and pattern.search(desc):
            return key
    return ""


class SchemaFiller:
    """Produce a JSON value that satisfies a JSON Schema, with Chinese strings built by a ``Writer``."""

    def __init__(self, root: dict[str, Any], writer: Writer, rng: random.Random) -> None:
        """Bind the root schema (for ``$ref``), the writer and the random source."""
        self.root = root
        self.writer = writer
        self.rng = rng
        self.prefer_count = writer.materials.item_count
        self._count_used = False

    def fill(self) -> Any:
        """Return a value for the root schema."""
        return self.value(self.root, "", self.writer, None)

    def resolve(self, schema: Any) -> dict[str, Any]:
        """Resolve ``$ref``/``allOf``/``anyOf``/``oneOf`` down to one concrete schema dict."""
        for _ in range(32):
            if not isinstance(schema, dict):
                return {}
            if "$ref" in schema:
                target = self._lookup(schema["$ref"])
                schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
                continue
            if "allOf" in schema:
                merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
                for part in schema["allOf"]:
                    part = self.resolve(part)
                    props = {**part.get("properties", {}), **merged.get("properties", {})}
                    required = list(dict.fromkeys([*part.get("required", []), *merged.get("required", [])]))
                    merged = {**part, **merged}
                    if props:
                        merged["properties"] = props
                    if required:
                        merged["required"] = required
                schema = merged
                continue
            for key in ("anyOf", "oneOf"):
                if key in schema:
                    options = [self.resolve(o) for o in schema[key]]
                    chosen = next(
                        (o for o in options if o.get("type") != "null"), options[0] if options else {}
                    )
                    rest = {k: v for k, v in schema.items() if k != key}
                    schema = {**chosen, **{k: v for k, v in rest.items() if k in ("description", "title")}}
                    break
            else:
                return schema
        return schema if isinstance(schema, dict) else {}

    def _lookup(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return {}
        node: Any = self.root
        for part in ref.lstrip("#").strip("/").split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node

    @staticmethod
    def _type(schema: dict[str, Any]) -> str:
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if isinstance(kind, str):
            return kind
        if "properties" in schema:
            return "object"
        if "items" in schema:
            return "array"
        return "string"

    def value(self, schema: Any, name: str, writer: Writer, used: set[str] | None) -> Any:
        """Return a value for ``schema``; ``name`` is the property name, ``used`` holds sibling strings."""
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            options = [o for o in schema["enum"] if o is not None] or schema["enum"]
            return self.rng.choice(options)
        if "default" in schema and self._type(schema) == "null":
            return schema["default"]
        kind = self._type(schema)
        if kind == "object":
            return self._object(schema, writer)
        if kind == "array":
            return self._array(schema, name, writer)
        if kind == "integer":
            return self._integer(schema, name)
        if kind == "number":
            return self._number(schema, name)
        if kind == "boolean":
            return self.rng.random() < (0.85 if _PASS_NAME.search(name) else 0.5)
        if kind == "null":
            return None
        return self._string(schema, name, writer, used)

    def _object(self, schema: dict[str, Any], writer: Writer, used: dict[str, set[str]] | None = None) -> Any:
        props = schema.get("properties") or {}
        out: dict[str, Any] = {}
        for prop, sub in props.items():
            out[prop] = self.value(sub, prop, writer, None if used is None else used.setdefault(prop, set()))
        for prop in schema.get("required", []):
            if prop not in out:
                out[prop] = self._string({}, prop, writer, None)
        return out

    def _array(self, schema: dict[str, Any], name: str, writer: Writer) -> list[Any]:
        items = self.resolve(schema.get("items", {"type": "string"}))
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        high = int(high) if high is not None else None
        is_extra = bool(_LIST_OF_EXTRAS.search(name))
        if high is not None and low == high:
            count = low
        elif self.prefer_count and not self._count_used and not is_extra:
            self._count_used = True
            count = max(low, self.prefer_count)
        elif is_extra:
            count = self.rng.randint(max(low, 1), max(low, 1) + 2)
        else:
            count = self.rng.randint(max(low, 1), max(low, 1) + 2)
        if high is not None:
            count = min(count, high)
        count = max(count, low)
        kind = self._type(items)
        if kind == "object":
            field_used: dict[str, set[str]] = {}
            return [self._object(items, writer.for_item(i), field_used) for i in range(count)]
        used: set[str] = set()
        if kind == "string" and _hint(name, schema) == "suggestion":
            pool = writer.suggestion_pool()
            picks = [s for s in pool if s not in used][:count]
            while len(picks) < count:
                picks.append(f"{pool[len(picks) % len(pool)]}（补充）")
            return picks
        if _hint(name, schema) in ("scene", "persona", "point", "title", "hook", "pain"):
            return [self.value(items, name, writer.for_item(i), used) for i in range(count)]
        return [self.value(items, name, writer, used) for _ in range(count)]

    def _integer(self, schema: dict[str, Any], name: str) -> int:
        low, high = _bounds(schema, integer=True)
        if (low == 1 and high == 10) or (_SCORE_NAME.search(name) and high == 10 and low <= 5):
            return self.rng.choices(_SCORE_VALUES, _SCORE_WEIGHTS)[0]
        if _SCORE_NAME.search(name) and high == 100 and low <= 50:
            return min(100, self.rng.choices(_SCORE_VALUES, _SCORE_WEIGHTS)[0] * 10 - self.rng.randint(0, 9))
        if low is None and high is None:
            return self.rng.randint(1, 10)
        low = low if low is not None else min(0, high or 0)
        high = high if high is not None else low + 10
        return self.rng.randint(low, max(low, high))

    def _number(self, schema: dict[str, Any], name: str) -> float:
        low, high = _bounds(schema, integer=False)
        if (low, high) in ((1, 10), (0, 10)) or (_SCORE_NAME.search(name) and high == 10):
            return float(self.rng.choices(_SCORE_VALUES, _SCORE_WEIGHTS)[0])
        if high is not None and high <= 1 and (low is None or low >= 0):
            return round(self.rng.uniform(max(low or 0.0, 0.6 * high), high), 2)
        low = low if low is not None else 0.0
        high = high if high is not None else low + 10.0
        return round(self.rng.uniform(low, max(low, high)), 2)

    def _string(self, schema: dict[str, Any], name: str, writer: Writer, used: set[str] | None) -> str:
        hint = _hint(name, schema)
        value = ""
        for attempt in range(12):
            value = self._string_once(hint, schema, writer, attempt)
            max_len = schema.get("maxLength")
            if isinstance(max_len, int) and len(value) > max_len:
                value = value[:max_len]
            min_len = schema.get("minLength")
            if isinstance(min_len, int) and len(value) < min_len:
                value = value + "。" * (min_len - len(value))
            if used is None or value not in used:
                break
        if used is not None:
            if value in used and hint not in ("persona", "point", "product", "ident"):
                value = f"{value}（{writer.phrase()}）"
            used.add(value)
        return value

    def _string_once(self, hint: str, schema: dict[str, Any], writer: Writer, attempt: int) -> str:
        rng = self.rng
        if hint == "scene":
            scene = writer.scene()
            return scene if attempt < 6 else f"{scene}，{writer.benefit()}"
        if hint == "reason":
            return writer.reason()
        if hint == "suggestion":
            return writer.suggestion()
        if hint == "issue":
            return writer.issue()
        if hint == "title":
            return writer.title()
        if hint == "persona":
            return writer.persona_name
        if hint == "point":
            return writer.point_name
        if hint == "hook":
            return writer.hook()
        if hint == "pain":
            return writer.pain()
        if hint == "emotion":
            return writer.emotion()
        if hint == "tag":
            return writer.tag()
        if hint == "body":
            target = draw_target(rng, writer.materials.window, writer.materials.revision)
            return writer.body(target)
        if hint == "product":
            return writer.product_name
        if hint == "ident":
            return f"item-{rng.randrange(16**6):06x}"
        if schema.get("format") in ("date", "date-time"):
            return "2026-01-01" if schema["format"] == "date" else "2026-01-01T00:00:00Z"
        return writer.phrase() if attempt < 4 else f"{writer.phrase()}·{writer.point_name}"


def _bounds(schema: dict[str, Any], integer: bool) -> tuple[Any, Any]:
    low = schema.get("minimum")
    high = schema.get("maximum")
    step = 1 if integer else 0.01
    if low is None and isinstance(schema.get("exclusiveMinimum"), int | float):
        low = schema["exclusiveMinimum"] + step
    if high is None and isinstance(schema.get("exclusiveMaximum"), int | float):
        high = schema["exclusiveMaximum"] - step
    if integer:
        low = int(low) if low is not None else None
        high = int(high) if high is not None else None
    return low, high


def fill_arguments(parameters: dict[str, Any], rng: random.Random, materials: Materials) -> dict[str, Any]:
    """Return tool-call arguments satisfying the function's JSON-Schema ``parameters``."""
    schema = (
        parameters if isinstance(parameters, dict) and parameters else {"type": "object", "properties": {}}
    )
    value = SchemaFiller(schema, Writer(rng, materials), rng).fill()
    return value if isinstance(value, dict) else {"value": value}


def infer_schema(example: Any) -> dict[str, Any]:
    """Return a JSON Schema describing a JSON example (used for JSON mode)."""
    if isinstance(example, dict):
        return {
            "type": "object",
            "properties": {k: infer_schema(v) for k, v in example.items()},
            "required": list(example),
        }
    if isinstance(example, list):
        return {"type": "array", "items": infer_schema(example[0]) if example else {"type": "string"}}
    if isinstance(example, bool):
        return {"type": "boolean"}
    if isinstance(example, int):
        return {"type": "integer", "minimum": 1, "maximum": 10} if 1 <= example <= 10 else {"type": "integer"}
    if isinstance(example, float):
        return {"type": "number"}
    return {"type": "string"}


def find_json_example(text: str) -> Any:
    """Return the first JSON object embedded in ``text`` (or None)."""
    decoder = json.JSONDecoder()
    for match in regex.finditer(r"\{", text):
        try:
            value, _ = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if isinstance(value, dict) and value:
            return value
    return None


def write_json_object(rng: random.Random, materials: Materials, messages: Sequence[Any]) -> str:
    """Return a JSON-mode reply shaped like the JSON example in the prompt (or ``{"content": prose}``)."""
    example = find_json_example(all_text(messages))
    if example is None:
        return json.dumps({"content": write_prose(rng, materials)}, ensure_ascii=False)
    value = SchemaFiller(infer_schema(example), Writer(rng, materials), rng).fill()
    return json.dumps(value, ensure_ascii=False)
