"""The 盟市部门党组织 of the demo city: party organizations of league and city bodies."""

from __future__ import annotations

import random
from dataclasses import dataclass

from jiceng.orgs.models import DepartmentType

from .names import chinese_numeral

LEAGUE, CITY = "锡林郭勒盟", "锡林浩特市"

# Government bureaus both the league and the city have.
BUREAUS = [
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农牧局",
    "商务局",
    "文化旅游体育局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "林业和草原局",
    "能源局",
    "信访局",
    "城市管理综合执法局",
    "行政审批和政务服务局",
    "民族事务委员会",
    "乡村振兴局",
    "机关事务服务中心",
    "人民法院",
    "人民检察院",
    "税务局",
    "消防救援支队",
    "气象局",
]
# Party and people's-congress organs: "委" attaches straight to 盟/市 (盟委, 市委).
PARTY_ORGANS = [
    "委办公室",
    "委组织部",
    "委宣传部",
    "委统战部",
    "委政法委员会",
    "委政策研究室",
    "委网络安全和信息化委员会办公室",
    "委机构编制委员会办公室",
    "纪委监委",
    "委党校",
    "政协机关",
    "政府办公室",
]
MASS_ORGANIZATIONS = [
    "总工会",
    "团委",
    "妇女联合会",
    "科学技术协会",
    "工商业联合会",
    "残疾人联合会",
    "红十字会",
    "文学艺术界联合会",
]
LEAGUE_INSTITUTIONS = [
    "医院",
    "蒙医医院",
    "妇幼保健院",
    "疾病预防控制中心",
    "广播电视台",
    "图书馆",
    "博物馆",
    "蒙古族中学",
    "第一中学",
    "特殊教育学校",
    "社会福利院",
    "公共资源交易中心",
    "乌兰牧骑",
    "农牧业科学研究所",
    "体育运动学校",
    "住房公积金管理中心",
    "职业学院",
    "日报社",
]
CITY_INSTITUTIONS = [
    "医院",
    "蒙医医院",
    "中医医院",
    "疾病预防控制中心",
    "妇幼保健计划生育服务中心",
    "融媒体中心",
    "乌兰牧骑",
    "图书馆",
    "职业中学",
    "特殊教育学校",
    "蒙古族中学",
    "蒙古族小学",
    "第一幼儿园",
    "第二幼儿园",
    *(f"第{chinese_numeral(n)}中学" for n in range(1, 7)),
    *(f"第{chinese_numeral(n)}小学" for n in range(1, 11)),
]
STATE_ENTERPRISES = [
    (LEAGUE, "国有资产投资经营有限责任公司"),
    (LEAGUE, "交通投资有限责任公司"),
    (LEAGUE, "水务投资有限责任公司"),
    (LEAGUE, "城市发展投资集团有限公司"),
    (CITY, "城市投资有限责任公司"),
    (CITY, "供热有限责任公司"),
    (CITY, "供水有限责任公司"),
    (CITY, "公共交通有限责任公司"),
    (CITY, "国有资产运营有限责任公司"),
    (CITY, "城市建设投资有限责任公司"),
    (CITY, "农牧业发展有限责任公司"),
    ("", "国网锡林郭勒供电公司"),
    ("", "中国移动锡林郭勒分公司"),
    ("", "中国联通锡林郭勒分公司"),
    ("", "中国电信锡林郭勒分公司"),
    ("", "中国邮政集团有限公司锡林郭勒盟分公司"),
    ("", "中国银行锡林郭勒分行"),
    ("", "中国农业银行锡林郭勒分行"),
    ("", "中国工商银行锡林郭勒分行"),
    ("", "中国建设银行锡林郭勒分行"),
]
# Non-public enterprises and social organizations, mostly sector-wide party bodies.
TWO_NEW = [
    (LEAGUE, "律师行业"),
    (LEAGUE, "社会组织"),
    (LEAGUE, "个体劳动者协会"),
    (LEAGUE, "民营企业家协会"),
    (LEAGUE, "注册会计师行业"),
    (CITY, "律师行业"),
    (CITY, "物业服务行业"),
    (CITY, "快递物流行业"),
    (CITY, "商贸流通行业"),
    (CITY, "餐饮行业"),
    (CITY, "民办教育行业"),
    (CITY, "网约车行业"),
    (CITY, "建筑业协会"),
    (CITY, "社会组织"),
    (CITY, "草原红物业服务有限公司"),
    (CITY, "安居物业服务有限公司"),
    (CITY, "万和物业服务有限公司"),
    (CITY, "金草原肉业有限公司"),
    (CITY, "牧之源乳业有限公司"),
    (CITY, "蒙草生态科技有限公司"),
    (CITY, "汇通商贸有限公司"),
]

SUFFIXES = {
    DepartmentType.ORGAN: ["机关党委", "党组", "机关党支部", "机关党总支"],
    # Party organs have no 党组 of their own.
    "party_organ": ["机关党委", "机关党支部"],
    DepartmentType.INSTITUTION: ["党委", "党总支", "党支部"],
    DepartmentType.STATE_ENTERPRISE: ["党委", "党总支", "党支部"],
    DepartmentType.TWO_NEW: ["党委", "联合党支部", "党支部"],
    DepartmentType.OTHER: ["党组", "机关党支部"],
}
HEADS = [
    ("团委", "书记"),
    ("纪委监委", "书记"),
    ("政法委员会", "书记"),
    ("研究室", "主任"),
    ("党校", "常务副校长"),
    ("政协机关", "秘书长"),
    ("协会", "会长"),
    ("行业", "党委书记"),
    ("社会组织", "党委书记"),
    ("所", "所长"),
    ("馆", "馆长"),
    ("社", "社长"),
    ("乌兰牧骑", "队长"),
    ("委员会", "主任"),
    ("办公室", "主任"),
    ("中心", "主任"),
    ("局", "局长"),
    ("部", "部长"),
    ("院", "院长"),
    ("学校", "校长"),
    ("中学", "校长"),
    ("小学", "校长"),
    ("幼儿园", "园长"),
    ("公司", "总经理"),
    ("分行", "行长"),
    ("支队", "支队长"),
    ("会", "主席"),
    ("台", "台长"),
]
# The organization department comes first so even the smallest demo city has it.
ORGANIZATION_DEPARTMENT = f"{CITY}委组织部"


@dataclass(frozen=True)
class DepartmentSpec:
    owner: str  # LEAGUE or CITY: which unit the department belongs to
    body: str  # the government body, e.g. 锡林浩特市财政局
    kind: str
    suffix: str  # its party organization, e.g. 机关党委
    is_party_organ: bool = False

    @property
    def name(self) -> str:
        return self.body + self.suffix

    @property
    def head_title(self) -> str:
        """The title of the body's head, e.g. 锡林浩特市财政局局长."""
        return self.body + self._title()

    @property
    def deputy_title(self) -> str:
        return self.body + "副" + self._title()

    def _title(self) -> str:
        return next((title for ending, title in HEADS if self.body.endswith(ending)), "负责人")


def _bodies() -> list[tuple[str, str, str]]:
    """(owner, body, kind) for every body in the catalogue."""
    both = (LEAGUE, CITY)
    return [
        *((owner, owner + organ, "party_organ") for owner in both for organ in PARTY_ORGANS),
        *((owner, owner + name, DepartmentType.ORGAN) for owner in both for name in BUREAUS),
        *((LEAGUE, LEAGUE + name, DepartmentType.INSTITUTION) for name in LEAGUE_INSTITUTIONS),
        *((CITY, CITY + name, DepartmentType.INSTITUTION) for name in CITY_INSTITUTIONS),
        *(
            (owner or LEAGUE, owner + name, DepartmentType.STATE_ENTERPRISE)
            for owner, name in STATE_ENTERPRISES
        ),
        *((owner, owner + name, DepartmentType.TWO_NEW) for owner, name in TWO_NEW),
        *(
            (owner, owner + name, DepartmentType.OTHER)
            for owner in both
            for name in MASS_ORGANIZATIONS
        ),
    ]


def department_specs(rng: random.Random, count: int) -> list[DepartmentSpec]:
    """`count` departments with unique names; past the catalogue, bodies get more branches."""
    bodies = _bodies()
    first = next(b for b in bodies if b[1] == ORGANIZATION_DEPARTMENT)
    rest = [b for b in bodies if b is not first]
    rng.shuffle(rest)
    bodies = [first, *rest]
    specs = [
        _spec(owner, body, kind, rng.choice(SUFFIXES[kind])) for owner, body, kind in bodies[:count]
    ]
    branch = 1
    while len(specs) < count:
        label = chinese_numeral(branch) if branch < 100 else str(branch)
        specs += [
            _spec(owner, body, kind, f"第{label}党支部")
            for owner, body, kind in bodies[: count - len(specs)]
        ]
        branch += 1
    return specs


def _spec(owner: str, body: str, kind: str, suffix: str) -> DepartmentSpec:
    if kind == "party_organ":
        return DepartmentSpec(owner, body, DepartmentType.ORGAN, suffix, is_party_organ=True)
    return DepartmentSpec(owner, body, kind, suffix)
