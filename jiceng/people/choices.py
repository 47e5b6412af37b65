from django.db import models
from django.utils.translation import gettext_lazy as _l

# The 56 ethnic groups (民族) in the official order of GB/T 3304.
ETHNIC_GROUPS = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
]
ETHNICITY_CHOICES = [(name, name) for name in ETHNIC_GROUPS]


class Gender(models.TextChoices):
    MALE = "male", _l("男")
    FEMALE = "female", _l("女")


class PoliticalStatus(models.TextChoices):
    PARTY_MEMBER = "party_member", _l("中共党员")
    PROBATIONARY = "probationary", _l("中共预备党员")
    LEAGUE_MEMBER = "league_member", _l("共青团员")
    DEMOCRATIC_PARTY = "democratic_party", _l("民主党派")
    MASSES = "masses", _l("群众")


PARTY_STATUSES = (PoliticalStatus.PARTY_MEMBER, PoliticalStatus.PROBATIONARY)
