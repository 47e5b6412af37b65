from django.db import migrations

# The article's four project categories, with guidance notes (分类指导、精准施策).
CATEGORIES = [
    ("红色物业", "党组织领导物业服务：推动社区党组织与物业企业“双向进入、交叉任职”，把物业服务纳入社区治理。"),
    ("治乱治差", "聚焦老旧小区、背街小巷的脏乱差问题，党员带头、网格包片，限期整治并建立长效机制。"),
    ("商圈治理", "在商圈、市场建立联合党组织，统筹商户、市场监管和城管力量，共建共治。"),
    ("富民发展", "围绕进城牧民和困难群体就业增收，链接部门和企业资源，发展社区经济。"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("worklists", "ProjectCategory")
    for order, (name, guidance) in enumerate(CATEGORIES):
        Category.objects.get_or_create(name=name, defaults={"guidance": guidance, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("worklists", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
