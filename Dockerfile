# GSP-ERP application image: used by the web (gunicorn), worker and beat services in
# docker-compose.yml. Configuration comes from the environment (see gsp_erp/settings.py).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media

# WeasyPrint's system libraries (Pango, HarfBuzz, libffi), CJK fonts for the Chinese GSP
# forms, and gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libffi8 \
        fonts-noto-cjk \
        gettext \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 gsp \
    && useradd --system --uid 1000 --gid gsp --home-dir /app --shell /usr/sbin/nologin gsp

WORKDIR /app

# Dependencies first, so that code changes do not reinstall them. The project installs
# no packages of its own (it runs from its checkout), so pyproject.toml is all pip needs.
COPY pyproject.toml ./
RUN pip install -e .

COPY . .

# Collect the static files with the production storage (hashed names and a manifest, as
# whitenoise serves them at run time). Settings need a database URL, a secret key and
# hosts to load in production mode; these throwaway values exist only for this RUN line
# and are not part of the image's environment. No database is contacted.
RUN DJANGO_ENV=production \
    DATABASE_URL=postgres://build:build@localhost:5432/build \
    SECRET_KEY=collectstatic-only-build-time-key-not-used-at-run-time-0123456789 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/var \
    && chown -R gsp:gsp /app/media /app/var

USER gsp

EXPOSE 8000

CMD ["gunicorn", "gsp_erp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
