"""Settings come from the environment: production refuses to start without its secret and
passes Django's deployment checks; REDIS_URL switches between eager tasks and Redis."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k8Q2vX9pL4mN7rT1wY5zA3cF6hJ0bD8eG2iK4oM6qS9uV1xZ3nP5sR7tW9yB1dE3"
FIELD_KEYS = {
    "FIELD_ENCRYPTION_KEY": "q3sYw0rM9V8bq8dJm6oUuYJwWlq8m9c7xZ0k4b1Qy0E=",
    "FIELD_HASH_KEY": "another-long-secret",
}


def manage(*args, **env):
    # Only what the test sets: not the developer's DEBUG/SECRET_KEY, nor the browser tests'
    # DJANGO_ALLOW_ASYNC_UNSAFE (which check --deploy rightly warns about).
    unset = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    unset += ("FIELD_ENCRYPTION_KEY", "FIELD_HASH_KEY")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0", **FIELD_KEYS)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_the_field_encryption_keys():
    result = manage("check", DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="fq.police.local")
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY and FIELD_HASH_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="fq.police.local",
        **FIELD_KEYS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def _settings(**env) -> dict:
    code = (
        "from django.conf import settings as s; import json; "
        "print(json.dumps({'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, "
        "'cache': s.CACHES['default']['BACKEND'], 'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, "
        "'health': s.DATABASES['default']['CONN_HEALTH_CHECKS'], 'acks_late': s.CELERY_TASK_ACKS_LATE, "
        "'prefetch': s.CELERY_WORKER_PREFETCH_MULTIPLIER, 'reject': s.CELERY_TASK_REJECT_ON_WORKER_LOST, "
        "'visibility': s.CELERY_BROKER_TRANSPORT_OPTIONS.get('visibility_timeout'), "
        "'time_limit': s.CELERY_TASK_TIME_LIMIT, 'beat': sorted(s.CELERY_BEAT_SCHEDULE)}))"
    )
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_redis_tasks_run_eagerly_and_the_cache_is_local_memory():
    s = _settings()
    assert s["eager"] is True
    assert s["cache"].endswith("LocMemCache")
    assert (s["lang"], s["tz"], s["health"]) == ("zh-hans", "Asia/Shanghai", True)


def test_with_redis_tasks_go_to_the_broker_and_the_cache_is_redis():
    s = _settings(REDIS_URL="redis://127.0.0.1:6379/3")
    assert s["eager"] is False
    assert s["broker"] == "redis://127.0.0.1:6379/3"
    assert s["cache"].endswith("RedisCache")


def test_celery_is_configured_so_no_task_is_lost_when_a_worker_dies():
    s = _settings()
    assert s["acks_late"] and s["reject"] and s["prefetch"] == 1
    assert s["visibility"] > s["time_limit"]
    assert s["beat"]  # periodic work is defined in code
