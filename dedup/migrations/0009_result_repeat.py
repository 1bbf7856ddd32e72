from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dedup", "0008_run_recheck"),
    ]

    operations = [
        migrations.AddField(
            model_name="result",
            name="repeat",
            field=models.BooleanField(default=False),
        ),
    ]
