"""Seller roles (owner, manager, warehouse), the role an invitation grants, and API key scopes.

Existing members: the owner stays owner, every other member ("team member") becomes a manager.
Existing invitations grant manager, the role their colleagues had. Existing API keys keep
working: they get every scope.
"""
import sellers.models
from django.db import migrations, models

ROLES = [("owner", "Owner"), ("manager", "Manager"), ("warehouse", "Warehouse")]


def members_to_roles(apps, schema_editor):
    SellerMember = apps.get_model("sellers", "SellerMember")
    SellerMember.objects.exclude(role="owner").update(role="manager")


def members_back_to_staff(apps, schema_editor):
    SellerMember = apps.get_model("sellers", "SellerMember")
    SellerMember.objects.exclude(role="owner").update(role="staff")


class Migration(migrations.Migration):

    dependencies = [
        ('sellers', '0008_stock_import_batches_done'),
    ]

    operations = [
        migrations.AddField(
            model_name='apikey',
            name='scopes',
            field=models.JSONField(default=["read", "listings", "orders"], verbose_name='scopes'),
        ),
        migrations.AlterField(
            model_name='apikey',
            name='scopes',
            field=models.JSONField(default=sellers.models.api_key_read_scopes, verbose_name='scopes'),
        ),
        migrations.AddField(
            model_name='sellerinvitation',
            name='role',
            field=models.CharField(choices=ROLES, default='manager',
                                   help_text='The role the colleague gets on joining.', max_length=10,
                                   verbose_name='role'),
        ),
        migrations.AlterField(
            model_name='sellermember',
            name='role',
            field=models.CharField(choices=ROLES, default='warehouse', max_length=10, verbose_name='role'),
        ),
        migrations.RunPython(members_to_roles, members_back_to_staff),
    ]
