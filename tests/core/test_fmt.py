"""Formatters for published text: commands and machines as a reader should see them."""

from __future__ import annotations

from ragorft.benchmarks.core.fmt import command, machine


def test_command_hides_the_machines_absolute_paths_but_keeps_globs():
    text = "ragorft bench --results-dir /tmp/ft-results --only */minilm-*/full/* --prices=/work/x/prices.toml"
    assert (
        command(text)
        == "ragorft bench --results-dir <dir>/ft-results --only */minilm-*/full/* --prices=<dir>/prices.toml"
    )


def test_machine_is_words_not_a_python_dict():
    spec = {"cpus": 2, "memory_gb": 23.5, "platform": "Linux-6", "processor": "x86_64", "gpu": "NVIDIA H100"}
    assert machine(spec) == "2 CPUs, 23.5 GB RAM, NVIDIA H100 (x86_64)"
    assert machine({}) == "unknown machine"
