"""The lock files (requirements/*.txt, written by `make lock` with uv) pin, with hashes, every
dependency pyproject.toml declares, at a version its range admits: `make run`, `make test`, the
Dockerfile and CI install exactly these."""
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\],]+)==([^\s\\;]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    found = {canonicalize_name(re.sub(r"\[.*\]", "", package)): version
             for package, version in PIN.findall(text)}
    # Every pinned package carries at least one hash (pip then installs in --require-hashes mode).
    blocks = re.split(r"\n(?=\S)", text)
    unhashed = [block.split("==")[0] for block in blocks if "==" in block and "--hash=sha256:" not in block]
    assert not unhashed, f"{name}: pinned without a hash: {unhashed}"
    return found


def _check(requirements: list[str], locked: dict[str, str], lock_name: str) -> None:
    problems = []
    for line in requirements:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement.name} is not in {lock_name}")
        elif not requirement.specifier.contains(locked[name], prereleases=True):
            problems.append(f"{requirement.name}=={locked[name]} is outside {requirement.specifier}")
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_the_run_lock_pins_every_dependency_of_the_project():
    _check(PROJECT["dependencies"], pins("run.txt"), "requirements/run.txt")


def test_the_dev_lock_pins_the_dependencies_and_the_dev_tools_at_the_same_versions():
    run, dev = pins("run.txt"), pins("dev.txt")
    _check(PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"], dev, "requirements/dev.txt")
    differing = {name: (version, dev.get(name)) for name, version in run.items() if dev.get(name) != version}
    assert not differing, f"run `make lock`: run.txt and dev.txt disagree on {differing}"


def test_make_and_the_dockerfile_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r $(LOCK_RUN)" in makefile and "--require-hashes -r $(LOCK_DEV)" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/run.txt" in dockerfile
