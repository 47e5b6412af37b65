"""Name pools for the demo city: streets, communities and people around Xilinhot."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence

from faker import Faker

# The first eight streets keep this order, so "the first street" is stable.
STREET_BASES = [
    "宝力根",
    "希日塔拉",
    "楚古兰",
    "额尔敦",
    "杭盖",
    "巴彦查干",
    "南郊",
    "滨河",
    "乌兰",
    "锡林",
    "贝子庙",
    "朝克乌拉",
    "白音锡勒",
    "巴彦宝力格",
    "阿尔善",
    "宝格达",
    "查干淖尔",
    "伊利勒特",
    "格日勒图",
    "呼和",
    "萨如拉",
    "达布希勒特",
    "毛登",
    "苏力德",
    "哈拉图",
    "巴彦锡勒",
    "芒来",
    "塔拉",
    "宝日胡吉尔",
    "吉呼郎图",
]

COMMUNITY_BASES = [
    "额尔敦",
    "团结",
    "宝力根",
    "希日塔拉",
    "楚古兰",
    "杭盖",
    "巴彦",
    "查干",
    "乌兰",
    "锡林",
    "贝子庙",
    "那达慕",
    "草原",
    "白音",
    "毛登",
    "吉祥",
    "光明",
    "文化",
    "振兴",
    "繁荣",
    "康乐",
    "新华",
    "建设",
    "友谊",
    "滨河",
    "河畔",
    "丰盛",
    "金港",
    "银都",
    "嘎拉达",
    "哈达",
    "格日勒",
    "呼和",
    "苏力德",
    "乌珠穆沁",
    "阿拉坦",
    "宝格达",
    "敖包",
    "塔拉",
    "牧歌",
    "星光",
    "阿日斯楞",
    "都兰",
    "朝阳",
    "东方",
    "永安",
    "安居",
    "长青",
    "桃李",
    "锦绣",
    "和平",
    "民主",
    "胜利",
    "幸福",
    "阳光",
    "北苑",
    "南苑",
    "西园",
    "东城",
    "额吉",
]

# Added between base and suffix when the plain names run out (larger scales).
NAME_VARIANTS = ["东", "西", "南", "北", "中", "新", "东苑", "西苑", "南苑", "北苑"]

MONGOLIAN_MALE = [
    "巴特尔",
    "额尔德尼",
    "那仁",
    "朝鲁",
    "宝音",
    "哈斯",
    "阿拉坦仓",
    "苏和",
    "毕力格",
    "巴雅尔",
    "孟和",
    "布和",
    "巴图",
    "额尔敦",
    "特木尔",
    "乌力吉",
    "吉日格勒",
    "胡日查",
    "图门",
    "巴音",
    "阿木古楞",
    "呼和",
    "道尔吉",
    "敖其尔",
    "吉雅图",
    "满都拉",
    "格日乐图",
    "那顺",
    "阿古拉",
    "照日格图",
    "达林太",
    "斯琴巴特尔",
    "额尔德木图",
    "呼斯乐",
    "宝力道",
    "白音仓",
    "吉日木图",
    "朝克图",
    "巴图孟和",
    "额日和木",
]
MONGOLIAN_FEMALE = [
    "其其格",
    "乌云",
    "斯琴高娃",
    "苏日娜",
    "萨仁",
    "图雅",
    "敖登",
    "其木格",
    "娜仁花",
    "高娃",
    "萨日娜",
    "乌兰",
    "托娅",
    "塔娜",
    "阿拉腾其其格",
    "斯琴",
    "萨如拉",
    "乌日娜",
    "格日勒",
    "乌仁",
    "乌日汗",
    "娜荷芽",
    "诺敏",
    "阿茹娜",
    "塔米尔",
    "伊茹勒",
    "哈斯",
    "琪琪格",
    "乌兰图雅",
    "萨仁高娃",
    "其其格玛",
    "额尔敦其其格",
    "苏布达",
    "明月",
    "包玉兰",
]
# Han-style surnames common among Mongolians in Inner Mongolia.
MONGOLIAN_SURNAMES = ["包", "白", "宝", "鲍", "韩", "吴", "王", "陈", "敖", "额", "奇", "云"]

ETHNICITY_WEIGHTS = {
    "汉族": 62.0,
    "蒙古族": 30.0,
    "回族": 3.0,
    "满族": 3.5,
    "达斡尔族": 0.8,
    "鄂温克族": 0.7,
}

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1..99 as Chinese numerals: 3 -> 三, 10 -> 十, 21 -> 二十一."""
    if not 0 < n < 100:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def unique_names(bases: Sequence[str], suffix: str) -> Iterator[str]:
    """Plain names first, then direction variants, then numbered ones; never repeats."""
    yield from (f"{base}{suffix}" for base in bases)
    for variant in NAME_VARIANTS:
        yield from (f"{base}{variant}{suffix}" for base in bases)
    for number in itertools.count(2):
        label = chinese_numeral(number) if number < 100 else str(number)
        yield from (f"{base}第{label}{suffix}" for base in bases)


class PersonNames:
    """Chinese names by gender and ethnicity: Faker for Han names, our lists for Mongolian."""

    def __init__(self, rng: random.Random, fake: Faker):
        self.rng = rng
        self.fake = fake

    def name(self, female: bool, ethnicity: str) -> str:
        if ethnicity == "蒙古族":
            return self._mongolian(female)
        given = self.fake.first_name_female() if female else self.fake.first_name_male()
        return self.fake.last_name() + given

    def _mongolian(self, female: bool) -> str:
        given = self.rng.choice(MONGOLIAN_FEMALE if female else MONGOLIAN_MALE)
        # Most Mongolian names carry no surname; some people use a Han-style one.
        if self.rng.random() < 0.3:
            return self.rng.choice(MONGOLIAN_SURNAMES) + given
        return given
