"""Every staff page requires login, and pages that change data require a permission.

The URL patterns are discovered from the URL conf, so a new page is covered without
editing this test.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# The PDF verification page is public: the QR code printed on paper leads there.
PUBLIC = {"login", "set_language", "logout", "pdf_verify"}
SKIP_NAMESPACES = {"admin"}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIP_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name, namespace


def _concrete(route: str) -> str:
    path = re.sub(r"<int:\w+>", "1", route)
    path = re.sub(r"<str:\w+>", "review", path)
    path = re.sub(r"<slug:\w+>", "x", path)
    return "/" + path.lstrip("^").rstrip("$")


STAFF_PAGES = sorted(
    {
        (_concrete(route), f"{ns}:{name}" if ns else name)
        for route, name, ns in _walk(get_resolver().url_patterns)
        if name and name not in PUBLIC and not route.startswith("i18n")
    }
)


def test_there_are_staff_pages_to_check():
    names = {name for _path, name in STAFF_PAGES}
    assert {"core:dashboard", "core:company_settings", "password_change"} <= names
    assert len(STAFF_PAGES) > 20


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), STAFF_PAGES)
def test_anonymous_users_are_sent_to_login(client, path, name):
    response = client.get(path)
    assert response.status_code == 302, f"{name} ({path}) answered {response.status_code}"
    assert response["Location"].startswith("/accounts/login/"), name


WRITE_ACTIONS = re.compile(r"_(create|update|import|action)$|_edit$")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "name"), [(p, n) for p, n in STAFF_PAGES if WRITE_ACTIONS.search(n or "")]
)
def test_auditor_cannot_open_write_pages(client, make_user, path, name):
    client.force_login(make_user("auditor"))
    response = client.get(path) if not name.endswith("_action") else client.post(path)
    assert response.status_code in (403, 405), f"{name} ({path}) answered {response.status_code}"
