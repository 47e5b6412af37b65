"""Subtree ranges (path >= '/1/' AND path < '/10') assume byte-wise comparison.

A PostgreSQL database created with a linguistic locale (en_US.UTF-8,
zh_CN.UTF-8) orders '/' and digits differently and would silently drop units
from a subtree, so the path column is pinned to the "C" collation there.
SQLite compares bytes already (BINARY).
"""

from django.db import migrations


def to_c_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE orgs_unit ALTER COLUMN path TYPE varchar(255) COLLATE "C"')


def to_default_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE orgs_unit ALTER COLUMN path TYPE varchar(255)")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_initial")]
    operations = [migrations.RunPython(to_c_collation, to_default_collation)]
