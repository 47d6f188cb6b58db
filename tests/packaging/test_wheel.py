"""The built wheel is what a user installs: one import root, corpus cards inside, and it works
from a folder whose own ``benchmarks/`` package would have shadowed the old top-level names.

Builds the wheel from this checkout (no build isolation: offline, with the installed setuptools),
installs it without dependencies into a fresh venv whose dependencies come from this environment's
site-packages (a path entry, which does not run the editable install's finder), and runs the
``ragorft`` command from a temporary folder.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.helpers.corpora import MIRROR, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        cwd=tmp_path_factory.mktemp("build"),
    )
    (path,) = out.glob("ragorft-*.whl")
    return path


def test_wheel_has_one_top_level_name_and_the_cards(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"ragorft"}
    for card in ("ragorft/corpora/banking77/corpus.toml", "ragorft/corpora/clinc150/corpus.toml"):
        assert card in names
    assert "ragorft/benchmarks/suites/default.toml" in names
    assert "ragorft/benchmarks/core/env.toml" in names
    # benchmark and README-maintenance scripts run from a checkout (tools/): not shipped
    assert not [n for n in names if n.startswith("ragorft/benchmarks/tools/") or n.startswith("tools/")]
    assert "ragorft/benchmarks/commands/adapters.py" not in names


def test_installed_wheel_validates_banking77_from_a_folder_with_its_own_benchmarks(wheel: Path, tmp_path: Path) -> None:
    if not (MIRROR / "banking77").is_dir():
        pytest.skip(f"no local mirror of banking77 at {MIRROR}")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False, system_site_packages=False)
    py = env_dir / "bin" / "python"
    target = env_dir / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    user = tmp_path / "project"
    (user / "benchmarks").mkdir(parents=True)
    (user / "benchmarks" / "__init__.py").write_text("")
    (user / "benchmarks" / "corpus.py").write_text("raise SystemExit('the user project shadowed ragorft')\n")
    deps = os.pathsep.join(site.getsitepackages())  # pandas, numpy... (dependencies, not ragorft)
    env = {**os.environ, "PYTHONPATH": deps, "RAGORFT_DATA": str(MIRROR)}
    where = subprocess.run(
        [
            str(py),
            "-c",
            "import ragorft.benchmarks as b, ragorft.strategies as s; print(b.__file__); print(s.__file__)",
        ],
        cwd=user,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(target)) for line in where.stdout.split()), where.stdout
    script = target / "bin" / "ragorft"  # the console script the wheel declares, run by the fresh venv's python
    assert script.is_file()
    run = subprocess.run(
        [str(py), str(script), "corpus", "validate", "banking77"],
        cwd=user,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "banking77" in run.stdout + run.stderr
