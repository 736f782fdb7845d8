"""Backups: the database and the media files, one folder per backup, and the way back.

A backup is a folder holding ``db.dump`` (PostgreSQL: ``pg_dump --format=custom``; SQLite, the
demo's: a copy made with SQLite's online backup), ``media.tar.gz`` (every uploaded photo, signature
and rendered PDF) and ``manifest.json`` (when, which database engine, the migrations applied, the
SHA-256 and size of both files). ``restore`` checks the manifest's checksums before it touches
anything, then replaces the database's contents (``pg_restore --clean --if-exists``) and the media
folder. Production adds WAL archiving and an off-site copy (README → Security and reliability).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

DB_FILE, MEDIA_FILE, MANIFEST = "db.dump", "media.tar.gz", "manifest.json"


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict]:
    """Connection options for pg_dump/pg_restore from Django's settings (password via the environment)."""
    s = connection.settings_dict
    args = ["--host", s["HOST"] or "localhost", "--port", str(s["PORT"] or 5432), "--username", s["USER"] or "postgres"]
    env = {"PGPASSWORD": s["PASSWORD"]} if s.get("PASSWORD") else {}
    return args, env


def _run(cmd: list[str], env: dict) -> None:
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip()[-2000:]}")


def backup(dest: Path) -> Path:
    """Write a backup into a new folder under ``dest``; return the folder."""
    folder = Path(dest) / timezone.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=False)
    db_path = folder / DB_FILE
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        _run(["pg_dump", "--format=custom", "--no-owner", *args, "--file", str(db_path),
              connection.settings_dict["NAME"]], env)  # fmt: skip
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(db_path) as target:
            connection.connection.backup(target)
    else:
        raise BackupError(f"no backup for {connection.vendor}")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA_FILE, "w:gz") as tar:
        if media.exists():
            tar.add(media, arcname=".")
    applied = sorted(f"{a}.{n}" for a, n in MigrationRecorder(connection).applied_migrations())
    manifest = {
        "created_at": timezone.now().isoformat(),
        "engine": connection.vendor,
        "migrations": len(applied),
        "last_migration": applied[-1] if applied else "",
        "files": {name: {"sha256": _sha256(folder / name), "bytes": (folder / name).stat().st_size}
                  for name in (DB_FILE, MEDIA_FILE)},
    }  # fmt: skip
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def verify(folder: Path) -> dict:
    """The manifest, after checking both files against it; BackupError if anything differs."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder}: no readable {MANIFEST}") from exc
    for name, meta in manifest["files"].items():
        path = folder / name
        if not path.exists() or _sha256(path) != meta["sha256"]:
            raise BackupError(f"{path}: missing or changed since the backup (SHA-256 differs)")
    return manifest


def _safe_members(tar: tarfile.TarFile):
    for member in tar.getmembers():
        target = Path(member.name)
        if target.is_absolute() or ".." in target.parts or member.issym() or member.islnk():
            raise BackupError(f"{member.name}: not a plain path inside the media folder")
        yield member


def restore(folder: Path) -> dict:
    """Replace the database's contents and the media folder with the backup in ``folder``."""
    manifest = verify(folder)
    folder = Path(folder)
    if manifest["engine"] != connection.vendor:
        raise BackupError(f"a {manifest['engine']} backup cannot go into {connection.vendor}")
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        connections.close_all()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
              "--dbname", connection.settings_dict["NAME"], str(folder / DB_FILE)], env)  # fmt: skip
    else:
        connection.ensure_connection()
        with sqlite3.connect(folder / DB_FILE) as source:
            source.backup(connection.connection)
    media = Path(settings.MEDIA_ROOT)
    staging = media.with_name(media.name + ".restoring")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(folder / MEDIA_FILE, "r:gz") as tar:
        tar.extractall(staging, members=_safe_members(tar))  # noqa: S202 (members checked)
    if media.exists():
        shutil.rmtree(media)
    staging.rename(media)
    return manifest
