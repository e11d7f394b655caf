"""The nine roles of DESIGN.md section 1 as groups, built from apps/core/roles.py."""

import pytest
from django.contrib.auth.models import Group, Permission

from apps.core import roles
from apps.core.roles import ROLE_BY_CODE, ROLES, Role, sync_roles

pytestmark = pytest.mark.django_db

ROLE_CODES = {
    "purchaser",
    "inspector",
    "keeper",
    "checker",
    "sales",
    "quality_manager",
    "manager",
    "finance",
    "auditor",
}


def group_permissions(name: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_nine_roles_are_defined():
    assert set(ROLE_BY_CODE) == ROLE_CODES
    assert len(ROLES) == len(ROLE_CODES)


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.code)
def test_group_has_exactly_the_role_permissions_after_migrate(role):
    assert group_permissions(role.code) == set(role.permissions)


def test_sync_roles_repairs_a_group_that_drifted():
    manager = Group.objects.get(name="manager")
    manager.permissions.add(Permission.objects.get(codename="delete_companysettings"))
    manager.permissions.remove(Permission.objects.get(codename="view_cost"))
    sync_roles()
    assert group_permissions("manager") == set(ROLE_BY_CODE["manager"].permissions)


def test_sync_roles_is_idempotent():
    sync_roles()
    sync_roles()
    assert Group.objects.filter(name__in=ROLE_CODES).count() == len(ROLE_CODES)
    for role in ROLES:
        assert group_permissions(role.code) == set(role.permissions)


def test_sync_roles_refuses_an_unknown_permission(monkeypatch):
    ghost = Role("ghost", "Ghost", ("core.view_companysettings", "core.fly_companysettings"))
    monkeypatch.setattr(roles, "ROLES", (ghost,))
    with pytest.raises(LookupError, match=r"ghost.*core\.fly_companysettings"):
        sync_roles()
    assert not Group.objects.filter(name="ghost").exists()


def test_auditor_may_only_look():
    perms = group_permissions("auditor")
    assert "core.view_history" in perms
    writes = sorted(
        p for p in perms if p.split(".", 1)[1].startswith(("add_", "change_", "delete_"))
    )
    assert writes == []


def test_nobody_may_delete_records():
    deletes = sorted(
        f"{role.code}: {perm}"
        for role in ROLES
        for perm in role.permissions
        if perm.split(".", 1)[1].startswith("delete_")
    )
    assert deletes == []


def test_only_the_head_of_quality_reviews_and_only_the_manager_approves():
    quality = {
        r.code for r in ROLES if "catalog.review_quality_productfirstapproval" in r.permissions
    }
    manager = {
        r.code for r in ROLES if "catalog.review_manager_productfirstapproval" in r.permissions
    }
    assert quality == {"quality_manager"}
    assert manager == {"manager"}
