# Fengqiao production image: gunicorn serving Django, static files baked in (WhiteNoise).
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# pg_dump and pg_restore for `manage.py backup` / `restore`.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first so a code change does not reinstall them.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Static files are collected at build time. DEBUG=0 selects the compressed manifest storage;
# settings refuse to load without a SECRET_KEY then, so this step (and only this step) gets a
# throwaway one. It is set on the RUN line (not ENV or ARG), so it is not in the runtime image
# and BuildKit's secrets-in-ARG check stays quiet.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret \
    FIELD_ENCRYPTION_KEY=Y29sbGVjdHN0YXRpYy1vbmx5LW5vdC1hLXNlY3JldCE= FIELD_HASH_KEY=collectstatic-only \
    python manage.py collectstatic --noinput

# Unprivileged runtime user. Code and static files stay root-owned (read-only to the app);
# only the media directory is writable. A named volume mounted on /data/media starts as a
# copy of this directory, ownership included.
RUN groupadd --system --gid 10001 fengqiao \
    && useradd --system --uid 10001 --gid fengqiao --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin fengqiao \
    && mkdir -p /data/media \
    && chown fengqiao:fengqiao /data/media
ENV MEDIA_ROOT=/data/media
USER fengqiao

EXPOSE 8000

# Workers, bind address, timeout: gunicorn.conf.py (WEB_CONCURRENCY sets the number of workers).
CMD ["gunicorn", "config.wsgi:application"]
