"""kb.files: private folders, atomic writes, decoding text of unknown encoding."""

from __future__ import annotations

import stat

import pytest

from kb.files import decode, private_dir, write_atomic


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_private_dir_makes_missing_folders_private_and_keeps_existing_ones(tmp_path):
    (tmp_path / "shared").mkdir(mode=0o755)
    made = private_dir(tmp_path / "shared" / "a" / "b")
    assert made == tmp_path / "shared" / "a" / "b"
    assert [_mode(p) for p in (tmp_path / "shared", made.parent, made)] == [0o755, 0o700, 0o700]


def test_write_atomic_replaces_the_file_private_unless_told_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "CURRENT"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, b"gen-000002")
    assert (target.read_text(encoding="utf-8"), _mode(target)) == ("gen-000002", 0o600)
    write_atomic(tmp_path / "cache.json", b"{}", 0o644)
    assert _mode(tmp_path / "cache.json") == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "cache.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()  # a file cannot be renamed over a folder
    with pytest.raises(OSError):
        write_atomic(target, b"new")
    assert target.is_dir()
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_decode_takes_the_first_encoding_that_reads_all_of_the_bytes():
    text = "盗窃电动车"
    assert decode(text.encode("gb18030"), ("utf-8", "gb18030")) == (text, "gb18030")
    assert decode(text.encode("utf-8"), ("utf-8", "gb18030")) == (text, "utf-8")
    assert decode(b"\xff\xfe\xfa", ("utf-8", "gb18030")) is None
