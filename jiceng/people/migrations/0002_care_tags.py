from django.db import migrations

TAGS = ["独居老人", "空巢老人", "高龄老人", "残疾人", "低保", "特困供养", "留守儿童",
        "退役军人", "重病患者", "进城牧民"]


def add_tags(apps, schema_editor):
    CareTag = apps.get_model("people", "CareTag")
    for order, name in enumerate(TAGS):
        CareTag.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
