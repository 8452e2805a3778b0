"""Atomic writes: the whole data lands under the target name, no temporary file stays."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jdreview.io.atomic import atomic_write_bytes, atomic_write_text


@pytest.mark.parametrize("durable", [True, False])
def test_the_whole_data_replaces_the_target_and_no_temporary_file_stays(tmp_path: Path, durable: bool) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    data = bytes(range(256)) * 40_000  # 10 MB: more than one write call may take
    atomic_write_bytes(str(target), data, durable=durable)
    assert target.read_bytes() == data
    atomic_write_text(str(target), "é\n", durable=durable)
    assert target.read_bytes() == "é\n".encode()
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        atomic_write_bytes(str(target), 12345, durable=False)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.txt"]
