"""The two operator roles of the seed's Cognito pool, as Django groups with their permissions.

Rules are per app label (or ``app_label.model`` for one model) and permission action, so
permissions of apps added later are granted without editing this file: ``assistances-admin`` gets
everything; ``assistances-tmo`` operates cases and reads catalogs and reference data. Syncing only
adds missing permissions; it never removes what an administrator granted by hand.
"""

ADMIN_GROUP = "assistances-admin"
TMO_GROUP = "assistances-tmo"

# app label → permission actions granted to TMO operators.
TMO_RULES: dict[str, tuple[str, ...]] = {
    "masters": ("view",),
    "providers": ("view",),
    "vouchers": ("view",),
    "issuance": ("view",),
    "assistances": ("view", "add", "change"),
    "consultations": ("view", "add", "change"),
    "tracking": ("view",),
    # Operators write guarantees (issuing above their authority waits for an administrator); they
    # read, never change, the authority table itself.
    "guarantees.guarantee": ("view", "add", "change"),
    "guarantees.guaranteeversion": ("view", "add", "change"),
    "guarantees.guaranteeletter": ("view", "add"),
    "guarantees.guaranteestatushistory": ("view",),
    "guarantees.delegatedauthority": ("view",),
    # Operators enter and review bills, record payments and move reserves; the estimate table, the
    # reason catalog and the bordereaux are read (administrators own them).
    "claims.bill": ("view", "add", "change"),
    "claims.billline": ("view", "add", "change"),
    "claims.billfile": ("view", "add"),
    "claims.billstatushistory": ("view",),
    "claims.payment": ("view", "add"),
    "claims.reserve": ("view", "add", "change"),
    "claims.reservechange": ("view",),
    "claims.reserveestimate": ("view",),
    "claims.adjustmentreason": ("view",),
    "claims.bordereau": ("view",),
    "claims.bordereaufile": ("view",),
    # The case's audit timeline links to the audit log: operators read the log (never change it; the
    # outbox beside it is plumbing and stays administrators').
    "audit.auditlog": ("view",),
}


def _wanted(permissions, rules):
    for perm in permissions:
        action = perm.codename.split("_", 1)[0]
        app_label, model = perm.content_type.app_label, perm.content_type.model
        if action in rules.get(app_label, ()) or action in rules.get(f"{app_label}.{model}", ()):
            yield perm


def sync_roles(apps) -> None:
    """Create both groups and grant their permissions. Works with historical (migration) models."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; create them now so the groups can get them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    all_permissions = list(permission_model.objects.select_related("content_type"))

    admin_group, _ = group_model.objects.get_or_create(name=ADMIN_GROUP)
    admin_group.permissions.add(*all_permissions)

    tmo_group, _ = group_model.objects.get_or_create(name=TMO_GROUP)
    tmo_group.permissions.add(*_wanted(all_permissions, TMO_RULES))


def sync_roles_migration(apps, schema_editor) -> None:
    sync_roles(apps)


def sync_roles_after_migrate(sender, apps=None, **kwargs) -> None:
    """post_migrate handler (connected for this app only): sync creates every app's permissions itself."""
    if apps is not None:
        sync_roles(apps)
