"""`make backup` / `make restore`: a round trip through the real database (PostgreSQL in CI:
pg_dump and pg_restore) and the media folder; a changed or unsafe backup restores nothing."""

import io
import shutil
import tarfile

import pytest
from django.core.management import call_command

from accounts.models import User
from ops import backup


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "notices" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "notices" / "2026" / "notice-1.pdf").write_bytes(b"%PDF-1.7 the archived notice")
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_the_rows_and_files_lost_after_it(media, tmp_path):
    kept = User.objects.create_user("backup-kept", password="x-correct-horse")
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "backups"), stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    assert "Backup written to" in out.getvalue()
    manifest = backup.verify(folder)
    assert manifest["migrations"] > 0 and set(manifest["files"]) == {"db.dump", "media.tar.gz"}

    # After the backup: a row deleted, one added, a file lost, one added.
    User.objects.filter(pk=kept.pk).delete()
    User.objects.create_user("after-backup", password="x-correct-horse")
    shutil.rmtree(media / "notices")
    (media / "later.txt").write_text("written after the backup")

    call_command("restore", str(folder), "--yes", stdout=io.StringIO())
    assert User.objects.filter(username="backup-kept").exists()
    assert not User.objects.filter(username="after-backup").exists()
    assert (media / "notices" / "2026" / "notice-1.pdf").read_bytes() == b"%PDF-1.7 the archived notice"
    assert not (media / "later.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_a_changed_backup_is_refused_before_anything_is_touched(media, tmp_path):
    User.objects.create_user("backup-kept", password="x-correct-horse")
    folder = backup.backup(tmp_path / "backups")
    User.objects.create_user("after-backup", password="x-correct-horse")
    with (folder / "media.tar.gz").open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(backup.BackupError, match="SHA-256"):
        backup.restore(folder)
    assert User.objects.filter(username="after-backup").exists()  # the data as it was
    assert (media / "notices" / "2026" / "notice-1.pdf").exists()


def test_an_archive_reaching_outside_the_media_folder_is_refused(tmp_path):
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        data = b"x"
        info = tarfile.TarInfo("../outside.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with tarfile.open(path, "r:gz") as tar, pytest.raises(backup.BackupError, match="outside.txt"):
        list(backup._safe_members(tar))
