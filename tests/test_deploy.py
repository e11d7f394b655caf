"""Deployment files and production settings.

Docker cannot run where the test suite runs, so the Dockerfile and docker-compose.yml are
checked by parsing them; the production settings are checked by running `manage.py` in a
subprocess with DJANGO_ENV=production.
"""

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GSP_VAR_DIR", ROOT / "var"))
APP_SERVICES = ("web", "worker", "beat")
WEASYPRINT_PACKAGES = {
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libffi8",
    "fonts-noto-cjk",
    "gettext",
}
VENDOR_FILES = (
    "css/bootstrap.min.css",
    "js/bootstrap.bundle.min.js",
    "js/htmx.min.js",
    "css/bootstrap-icons.min.css",
    "css/fonts/bootstrap-icons.woff2",
    "css/fonts/bootstrap-icons.woff",
)
# Environment variables that change what the production settings do; the subprocesses
# below start without them and set only what each test needs.
SETTINGS_ENV = (
    "DJANGO_ENV",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "CSRF_TRUSTED_ORIGINS",
    "STATIC_ROOT",
    "DEBUG",
)
SUBPROCESS_TIMEOUT = 300


# --- helpers -----------------------------------------------------------------------------


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def command_text(command) -> str:
    """A compose `command` (string or list) as one shell-like string."""
    if isinstance(command, list):
        return " ".join(str(part) for part in command)
    return str(command or "")


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical, current = [], ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # comment lines inside a continued instruction
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current.strip():
        logical.append(current)
    result = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        result.append((keyword.upper(), " ".join(args.split())))
    return result


def apt_packages(run_args: str) -> set[str]:
    packages: set[str] = set()
    for chunk in re.split(r"&&|;|\|\|", run_args):
        words = shlex.split(chunk)
        if "apt-get" in words and "install" in words:
            after = words[words.index("install") + 1 :]
            packages.update(word for word in after if not word.startswith("-"))
    return packages


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    recorded = VAR_DIR / "database_url"
    if recorded.exists() and recorded.read_text().strip():
        return recorded.read_text().strip()
    # `check` does not connect to the database, so any well-formed URL will do.
    return "postgres://gsp:gsp@localhost:5432/gsp_erp"


def production_env(**overrides: str | None) -> dict[str, str]:
    # The test process may carry test-only switches (the browser tests allow sync ORM
    # calls from Playwright's event loop); a production process never has them.
    test_only = {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in SETTINGS_ENV and key not in test_only
    }
    env.update(
        DJANGO_SETTINGS_MODULE="gsp_erp.settings",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(45),  # 60 characters
        ALLOWED_HOSTS="erp.example.cn",
        DATABASE_URL=database_url(),
        PYTHONDONTWRITEBYTECODE="1",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


# --- (a) docker-compose.yml --------------------------------------------------------------


def test_compose_has_the_five_services():
    services = load_compose()["services"]
    assert set(services) >= {"postgres", "redis", "web", "worker", "beat"}
    assert str(services["postgres"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:7")


def test_compose_web_migrates_then_runs_gunicorn():
    web = load_compose()["services"]["web"]
    command = command_text(web["command"])
    assert "manage.py migrate --noinput" in command
    assert "gunicorn gsp_erp.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "0.0.0.0:8000" in command
    assert "--workers 3" in command
    assert "8000:8000" in [str(port) for port in web["ports"]]


def test_compose_worker_and_beat_run_celery():
    services = load_compose()["services"]
    worker = command_text(services["worker"]["command"])
    beat = command_text(services["beat"]["command"])
    assert re.search(r"\bcelery -A gsp_erp worker\b", worker)
    assert re.search(r"\bcelery -A gsp_erp beat\b", beat)
    # The beat schedule file must be writable by the non-root user.
    assert "--schedule /tmp/" in beat


def test_compose_app_services_share_environment_and_image():
    services = load_compose()["services"]
    envs = [environment(services[name]) for name in APP_SERVICES]
    assert envs[0] == envs[1] == envs[2]
    env = envs[0]
    assert env["DJANGO_ENV"] == "production"
    assert env["DATABASE_URL"] == "postgres://gsp:gsp@postgres:5432/gsp_erp"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "ALLOWED_HOSTS" in env
    assert env["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-false}"
    builds = {json.dumps(services[name].get("build"), sort_keys=True) for name in APP_SERVICES}
    assert builds == {json.dumps(".")}


def test_compose_environment_names_are_read_by_settings():
    """Guards against typos: each variable compose sets is one the settings read."""
    settings_source = (ROOT / "gsp_erp" / "settings.py").read_text(encoding="utf-8")
    env = environment(load_compose()["services"]["web"])
    unknown = [name for name in env if f'"{name}"' not in settings_source]
    assert not unknown, f"compose sets variables the settings never read: {unknown}"


def test_compose_app_services_wait_for_healthy_postgres_and_redis():
    services = load_compose()["services"]
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency in ("postgres", "redis"):
            assert depends_on[dependency]["condition"] == "service_healthy", (name, dependency)


def test_compose_postgres_and_redis_have_healthchecks():
    services = load_compose()["services"]
    assert "pg_isready" in command_text(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in command_text(services["redis"]["healthcheck"]["test"])


def test_compose_volumes_for_database_and_media():
    compose = load_compose()
    services = compose["services"]
    assert any("/var/lib/postgresql/data" in str(v) for v in services["postgres"]["volumes"])
    media_root = environment(services["web"])["MEDIA_ROOT"]
    for name in APP_SERVICES:
        mounts = [str(volume).split(":") for volume in services[name].get("volumes", [])]
        assert any(target == media_root for _, target, *_ in mounts), name
    assert {"pgdata", "media"} <= set(compose["volumes"])


# --- (b) Dockerfile ----------------------------------------------------------------------


def test_dockerfile_base_image_and_system_packages():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim-bookworm")
    installed: set[str] = set()
    for keyword, args in instructions:
        if keyword == "RUN":
            installed |= apt_packages(args)
    missing = WEASYPRINT_PACKAGES - installed
    assert not missing, f"Dockerfile does not apt-get install {sorted(missing)}"


def test_dockerfile_installs_project_and_collects_static_for_production():
    instructions = dockerfile_instructions()
    runs = [args for keyword, args in instructions if keyword == "RUN"]
    assert any("pip install -e ." in args for args in runs)
    collect = [args for args in runs if "collectstatic" in args]
    assert len(collect) == 1
    # The manifest whitenoise serves at run time comes from the production storage.
    assert "DJANGO_ENV=production" in collect[0]
    assert "DATABASE_URL=" in collect[0]
    # The throwaway build values must not end up in the image's environment.
    env_lines = " ".join(args for keyword, args in instructions if keyword in {"ENV", "ARG"})
    assert "DATABASE_URL" not in env_lines
    assert "SECRET_KEY" not in env_lines


def test_dockerfile_runs_as_non_root_and_exposes_8000():
    instructions = dockerfile_instructions()
    users = [
        (index, args) for index, (keyword, args) in enumerate(instructions) if keyword == "USER"
    ]
    assert users, "Dockerfile has no USER instruction"
    last_index, user = users[-1]
    assert user.split(":")[0] not in {"root", "0"}
    assert all(keyword != "RUN" for keyword, _ in instructions[last_index:])
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert re.search(rf"useradd\b.*\b{re.escape(user.split(':')[0])}\b", runs)
    assert ("EXPOSE", "8000") in instructions
    cmd = [args for keyword, args in instructions if keyword == "CMD"][-1]
    assert "gunicorn" in cmd and "gsp_erp.wsgi:application" in cmd


def test_dockerignore_keeps_local_state_out_of_the_image():
    patterns = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var"} <= patterns


# --- (c), (d) production settings ----------------------------------------------------------


def test_check_deploy_passes_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
    ],
    ids=["no-secret-key", "short-secret-key", "no-allowed-hosts", "no-database-url"],
)
def test_production_refuses_to_start_without_required_settings(overrides, message):
    result = manage("check", env=production_env(**overrides))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "ImproperlyConfigured" in output, output
    assert message in output, output


# --- (e) static files ----------------------------------------------------------------------


def test_whitenoise_serves_static_files():
    middleware = list(settings.MIDDLEWARE)
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in middleware
    # whitenoise must come straight after SecurityMiddleware.
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert ROOT / "static" in [Path(path) for path in settings.STATICFILES_DIRS]


@pytest.mark.parametrize("name", VENDOR_FILES)
def test_vendored_asset_exists(name):
    path = ROOT / "static" / "vendor" / name
    assert path.is_file() and path.stat().st_size > 1000, path


def test_vendored_assets_have_no_source_map_references():
    """The .map files are not vendored; a reference to one breaks manifest collectstatic."""
    for name in VENDOR_FILES:
        path = ROOT / "static" / "vendor" / name
        if path.suffix in {".css", ".js"}:
            assert "sourceMappingURL" not in path.read_text(encoding="utf-8"), name


def test_vendor_readme_lists_each_asset_with_its_version():
    readme = (ROOT / "static" / "vendor" / "README.md").read_text(encoding="utf-8")
    vendor = ROOT / "static" / "vendor"
    banners = {
        "css/bootstrap.min.css": r"Bootstrap\s+v(\d+\.\d+\.\d+)",
        "js/bootstrap.bundle.min.js": r"Bootstrap\s+v(\d+\.\d+\.\d+)",
        "css/bootstrap-icons.min.css": r"Bootstrap Icons\s+v(\d+\.\d+\.\d+)",
    }
    for name, pattern in banners.items():
        version = re.search(pattern, (vendor / name).read_text(encoding="utf-8")[:500]).group(1)
        assert f"`{name}`" in readme and version in readme, name
    assert "`js/htmx.min.js`" in readme and re.search(r"htmx\.org` \| 2\.\d+\.\d+", readme)
    assert re.match(r"2\.", _htmx_version()), "htmx must be 2.x"


def _htmx_version() -> str:
    source = (ROOT / "static" / "vendor" / "js" / "htmx.min.js").read_text(encoding="utf-8")
    return re.search(r'version:"(\d+\.\d+\.\d+)"', source).group(1)


def test_templates_load_no_assets_from_a_cdn():
    pattern = re.compile(
        r"<(?:script[^>]+src|link[^>]+href)\s*=\s*[\"'](?:https?:)?//", re.IGNORECASE
    )
    offenders = []
    for directory in [ROOT / "templates", *(ROOT / "apps").glob("*/templates")]:
        for path in directory.rglob("*.html"):
            if pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"templates load assets from outside static/: {offenders}"


def test_collectstatic_with_the_production_manifest_storage(tmp_path):
    """What the Dockerfile runs at build time: hashed names, a manifest and compression."""
    static_root = tmp_path / "staticfiles"
    env = production_env(STATIC_ROOT=str(static_root))
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text(encoding="utf-8"))
    paths = manifest["paths"]
    for name in VENDOR_FILES:
        assert f"vendor/{name}" in paths, name
    icons_css = (static_root / paths["vendor/css/bootstrap-icons.min.css"]).read_text("utf-8")
    assert paths["vendor/css/fonts/bootstrap-icons.woff2"].split("/")[-1] in icons_css
    assert (static_root / (paths["vendor/css/bootstrap.min.css"] + ".gz")).is_file()
