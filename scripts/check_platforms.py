"""Check that constraints.txt installs, from wheels only, wherever the workbook is meant to run.

For each platform (Linux glibc and musl, macOS Intel and Apple silicon, Windows) and each
Python from 3.11 to 3.13, ``pip install --dry-run --only-binary=:all: --platform ...
--python-version ...`` resolves the workbook with its test extras under the constraints. A
package without a wheel there, or a pin that does not resolve, fails the check. Packages a
platform needs beyond the pins (markers such as ``sys_platform == "win32"``) are listed. The
``suggest`` extra (scikit-learn) has no wheels for musl: there it is left out, and said so.

    python scripts/check_platforms.py [--python 3.11 ...] [--platform win_amd64 ...]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each platform with the tags pip accepts for it (a wheel for an older OS release installs).
PLATFORMS = {
    "linux-glibc-x86_64": [
        "manylinux_2_28_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
    ],
    "linux-glibc-aarch64": [
        "manylinux_2_28_aarch64",
        "manylinux_2_17_aarch64",
        "manylinux2014_aarch64",
    ],
    "linux-musl-x86_64": ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64"],
    "macos-intel": [
        f"macosx_{v}_x86_64" for v in ("13_0", "12_0", "11_0", "10_15", "10_13", "10_9")
    ]
    + [f"macosx_{v}_universal2" for v in ("11_0", "10_13", "10_9")],
    "macos-arm64": [f"macosx_{v}_arm64" for v in ("14_0", "13_0", "12_0", "11_0")]
    + [f"macosx_{v}_universal2" for v in ("11_0", "10_13", "10_9")],
    "windows-amd64": ["win_amd64"],
}
# The first patch release each pinned set installs on (soupsieve, for one, needs 3.11.5).
PYTHONS = {"3.11": "3.11.5", "3.12": "3.12.0", "3.13": "3.13.0"}
# Pinned packages published as a source distribution only. Each must build into one wheel for
# every platform (``py3-none-any``): it is built here once and offered to every resolution.
SOURCE_ONLY = ["bibtexparser"]


# What a platform installs without, and why: the optional extra that has no wheels there.
WITHOUT = {"linux-musl-x86_64": "scikit-learn"}


def requirements(platform: str) -> list[str]:
    """The workbook's requirements with its extras, as pyproject.toml declares them, less
    what WITHOUT leaves out on ``platform``."""
    import tomllib  # noqa: PLC0415 - only this script reads pyproject.toml

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = [*project["dependencies"], *extras["suggest"], *extras["test"]]
    left_out = WITHOUT.get(platform)
    return [r for r in wanted if not (left_out and r.startswith(left_out))]


def pure_wheels(folder: Path) -> None:
    """Build the pinned SOURCE_ONLY packages into ``folder``; fail unless each is pure Python."""
    for name in SOURCE_ONLY:
        cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder)]
        cmd += ["-c", str(ROOT / "constraints.txt"), name]
        subprocess.run(cmd, check=True)
    built = sorted(path.name for path in folder.glob("*.whl"))
    bound = [wheel for wheel in built if not wheel.endswith("-none-any.whl")]
    if bound or len(built) < len(SOURCE_ONLY):
        raise SystemExit(f"not one wheel for every platform: {', '.join(bound or built)}")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def marker_environment(platform: str, python: str) -> dict[str, str]:
    """The environment markers of ``platform`` (pip evaluates them for this machine only)."""
    system = platform.split("-")[0]
    machine = {
        "linux-glibc-aarch64": "aarch64",
        "macos-arm64": "arm64",
        "windows-amd64": "AMD64",
    }.get(platform, "x86_64")
    values = {
        "linux": ("linux", "Linux", "posix"),
        "macos": ("darwin", "Darwin", "posix"),
        "windows": ("win32", "Windows", "nt"),
    }[system]
    return {
        "sys_platform": values[0],
        "platform_system": values[1],
        "os_name": values[2],
        "platform_machine": machine,
        "python_version": python,
        "python_full_version": PYTHONS[python],
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }


def platform_only(installed: list[dict], platform: str, python: str) -> list[str]:
    """Requirements of the resolved packages that only ``platform`` has (``sys_platform ==
    "win32"`` and the like), which pip left out since it evaluates markers for this machine."""
    from packaging.requirements import Requirement  # noqa: PLC0415 - pip's own dependency

    names = {_normal(i["metadata"]["name"]) for i in installed}
    target = marker_environment(platform, python)
    wanted = []
    for item in installed:
        for line in item["metadata"].get("requires_dist", []):
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or _normal(requirement.name) in names:
                continue
            if marker.evaluate(target):  # type: ignore[arg-type]
                wanted.append(f"{requirement.name}{requirement.specifier}")
    return sorted(set(wanted))


def resolve(platform: str, python: str, wheels: Path, more: list[str]) -> tuple[str, list[dict]]:
    """Resolve for one platform and Python; return (error, packages pip would install)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--target",
            str(Path(tmp) / "target"),
            "--quiet",
            "--ignore-installed",
            "--only-binary=:all:",
            "--python-version",
            PYTHONS[python],
            "--implementation",
            "cp",
            "--report",
            str(report),
            "-c",
            str(ROOT / "constraints.txt"),
            "--find-links",
            str(wheels),
        ]
        for tag in PLATFORMS[platform]:
            cmd += ["--platform", tag]
        wanted = [*requirements(platform), *more]
        done = subprocess.run([*cmd, *wanted], capture_output=True, text=True)
        if done.returncode:
            why = ("ERROR: Could not find", "ERROR: No matching", "depends on", "requested")
            lines = [
                line.strip() for line in done.stderr.splitlines() if any(w in line for w in why)
            ]
            return " | ".join(lines[:4]) or done.stderr[-300:], []
        return "", json.loads(report.read_text(encoding="utf-8"))["install"]


def check(platform: str, python: str, wheels: Path) -> tuple[bool, str, list[str]]:
    """Resolve for one platform and Python, with the requirements only that platform has;
    return (ok, error, packages beyond the pins)."""
    more: list[str] = []
    for _ in range(3):  # a platform-only package may itself need another
        error, installed = resolve(platform, python, wheels, more)
        if error:
            return False, error, []
        missing = platform_only(installed, platform, python)
        if not missing:
            break
        more = sorted(set(more) | set(missing))
    pinned = {
        _normal(line.split("==")[0])
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").split()
    }
    extra = sorted(
        f"{i['metadata']['name']}=={i['metadata']['version']}"
        for i in installed
        if _normal(i["metadata"]["name"]) not in pinned
    )
    return True, "", extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", choices=PYTHONS)
    parser.add_argument("--platform", action="append", choices=sorted(PLATFORMS))
    args = parser.parse_args(argv)
    runs = [(p, v) for p in args.platform or PLATFORMS for v in args.python or PYTHONS]
    failed = 0
    with tempfile.TemporaryDirectory(prefix="evidence-wheels-") as tmp:
        wheels = Path(tmp)
        pure_wheels(wheels)
        # Resolutions mostly wait on the package index: a few at once.
        with ThreadPoolExecutor(max_workers=6) as pool:
            results = pool.map(lambda run: check(*run, wheels), runs)
            for (platform, python), (ok, error, extra) in zip(runs, results, strict=True):
                note = f" (beyond the pins: {', '.join(extra)})" if extra else ""
                if platform in WITHOUT:
                    note += f" (without {WITHOUT[platform]}: no wheels there)"
                status = "ok  " if ok else "FAIL"
                print(f"{status} {platform:22} Python {python}{note} {error}".rstrip(), flush=True)
                failed += not ok
    print(f"{len(runs) - failed} of {len(runs)} platform and Python pairs resolve from wheels")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
