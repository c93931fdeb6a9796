# One image, run as intake (default), notifier, scheduler and the one-shot migration.
# Every dependency has a manylinux wheel for CPython 3.11 (x86_64 and aarch64), so neither
# stage needs a compiler; the plain Dockerfile syntax also builds with the classic builder.

FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /src

# Dependencies first, in their own layer, so a source change does not reinstall them.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('requirements.txt', 'w').write('\n'.join(deps) + '\n')" \
 && pip install -c constraints.txt -r requirements.txt

COPY README.md alembic.ini ./
COPY migrations ./migrations
COPY shared ./shared
COPY services ./services
COPY dev ./dev
RUN pip install -c constraints.txt .


FROM python:3.11-slim-bookworm
# APP_ENV=production: the services refuse to start without a real SECRET_KEY (32+ bytes, no placeholder).
# PYTHONPATH=/app: the source tree below (beside alembic.ini and migrations/) is what runs,
# whatever the working directory. gunicorn reads WEB_CONCURRENCY as its worker count.
ENV PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    APP_ENV=production \
    WEB_CONCURRENCY=2

# WeasyPrint (the committee's agenda and minutes as PDF, shared/documents.py) loads Pango, HarfBuzz
# and fontconfig at run time; DejaVu Sans has every Norwegian letter.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

# A real home: gunicorn puts its control socket in ~/.gunicorn/.
RUN groupadd --system --gid 10001 samhandling \
 && useradd --system --uid 10001 --gid samhandling --create-home \
        --home-dir /home/samhandling --shell /usr/sbin/nologin samhandling

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY alembic.ini ./
COPY migrations ./migrations
COPY shared ./shared
COPY services ./services
COPY dev ./dev
# The code stays root-owned and read-only to the service user, so compile it now;
# var/ is writable for the SQLite default when no DATABASE_URL is given.
RUN python -m compileall -q /app \
 && mkdir /app/var && chown samhandling:samhandling /app/var

USER samhandling
EXPOSE 8000
# The config redacts the tokens in tracking, action and sign-in paths from every log line.
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", "--config", "python:services.intake.gunicorn_conf", \
     "services.intake:create_app()"]
