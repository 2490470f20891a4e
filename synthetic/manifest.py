"""The lake's manifest: which files a lake holds, their sizes and SHA-256 hashes.

Every shard's files are hashed as soon as the shard is written (``_manifest/shard=<k>.json``),
the tables that span all people when the lake is finished (``_manifest/global.json``), and
``LAKE.json`` is written last, naming the manifests. ``LAKE.json`` is also the lake's
ownership mark: the generator replaces a folder only when it carries one (or, for lakes
written before manifests existed, when the folder has exactly a lake's shape), so pointing
``--lake`` at a folder of something else is refused instead of wiping it.

Parquet checks the structure of a file, not its values: a flipped bit inside a compressed
page often decodes to another valid value. The load (pipelines/warehouse.py) therefore
verifies every file against its hash before reading it, and names the file that differs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LAKE_FORMAT = "economic-graph-simulator lake"
LAKE_VERSION = 1
MARKER = "LAKE.json"
MANIFEST_DIR = "_manifest"
# Written into a staging folder when it is created: what a killed generation leaves next to
# the lake is removed only when it carries this mark.
STAGING_MARKER = ".economic-graph-staging"
_DATA_FILE = re.compile(r"^[a-z]+_[a-z_]+/shard=\d+/part-\d+\.parquet$")


class LakeError(RuntimeError):
    """A lake is missing, incomplete, corrupt or not a lake; the message names the path and the remedy."""


def file_entry(path: Path) -> dict[str, int | str]:
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return {"bytes": path.stat().st_size, "sha256": digest}


def hash_files(root: Path, relative: Iterable[str]) -> dict[str, dict[str, int | str]]:
    """Size and SHA-256 of each file under ``root``, hashed in threads (hashlib releases the GIL)."""
    names = sorted(set(relative))
    workers = min(8, (os.cpu_count() or 1) + 1, max(1, len(names)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        entries = list(pool.map(lambda name: file_entry(root / name), names))
    return dict(zip(names, entries))


def data_files(root: Path) -> list[str]:
    """Every Parquet file of the lake under ``root``, relative to it."""
    return sorted(p.relative_to(root).as_posix() for p in root.glob("*/shard=*/*.parquet"))


def _write_json(path: Path, content: dict) -> None:
    """Write a small JSON file durably: a temporary name, fsync, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_part_manifest(root: Path, part: str, relative: Iterable[str]) -> None:
    """Hash the given files of the lake under ``root`` into ``_manifest/<part>.json``."""
    _write_json(root / MANIFEST_DIR / f"{part}.json", {"files": hash_files(root, relative)})


def finish_manifest(root: Path, summary: dict) -> None:
    """Check that the part manifests account for every data file exactly, then write LAKE.json."""
    listed: dict[str, dict] = {}
    for manifest in sorted((root / MANIFEST_DIR).glob("*.json")):
        for name, entry in json.loads(manifest.read_text(encoding="utf-8"))["files"].items():
            if name in listed:
                raise LakeError(f"{name} is listed by two manifests of {root}")
            listed[name] = entry
    on_disk = set(data_files(root))
    unlisted, absent = sorted(on_disk - set(listed)), sorted(set(listed) - on_disk)
    if unlisted or absent:
        raise LakeError(f"the manifests of {root} do not match its files: unlisted {unlisted[:5]}, absent {absent[:5]}")
    _write_json(
        root / MARKER,
        {"format": LAKE_FORMAT, "version": LAKE_VERSION, **summary, "files": dict(sorted(listed.items()))},
    )


def read_manifest(lake: Path) -> dict[str, dict]:
    """The files LAKE.json lists, with their sizes and hashes; a clear LakeError if there is none."""
    marker = lake / MARKER
    try:
        content = json.loads(marker.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LakeError(
            f"{lake} has no {MARKER}: it is not a complete lake written by this generator "
            "(or it predates checksums); regenerate the lake (materialize parquet_lake)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise LakeError(f"{marker} is unreadable ({err}); regenerate the lake (materialize parquet_lake)") from None
    if content.get("format") != LAKE_FORMAT or not isinstance(content.get("files"), dict):
        raise LakeError(f"{marker} is not a lake manifest of this generator; regenerate the lake")
    return content["files"]


def verify_lake(lake: Path) -> None:
    """Check every file of ``lake`` against the manifest: none missing, none added, none changed.
    The error names the first file that differs."""
    listed = read_manifest(lake)
    names = data_files(lake)
    unknown = [n for n in names if n not in listed]
    if unknown:
        raise LakeError(f"lake file {lake / unknown[0]} is not in {lake / MARKER}; regenerate the lake")
    absent = sorted(set(listed) - set(names))
    if absent:
        raise LakeError(
            f"lake file {lake / absent[0]} is listed in {lake / MARKER} but missing; regenerate the lake "
            "(materialize parquet_lake)"
        )
    actual = hash_files(lake, names)
    for name in names:
        if actual[name] != listed[name]:
            raise LakeError(
                f"lake file {lake / name} does not match the checksum recorded when it was generated "
                f"({actual[name]['bytes']:,} bytes, sha256 {actual[name]['sha256'][:12]}..., expected "
                f"{listed[name]['bytes']:,} bytes, {listed[name]['sha256'][:12]}...): it changed or is "
                "corrupt; regenerate the lake (materialize parquet_lake)"
            )


def is_generated_lake(path: Path) -> bool:
    """True for a folder this generator wrote: it carries LAKE.json, or, written before
    manifests existed, holds nothing but ``<schema>_<table>/shard=<k>/part-<c>.parquet`` files."""
    if not path.is_dir() or path.is_symlink():
        return False
    marker = path / MARKER
    if marker.is_file():
        try:
            return json.loads(marker.read_text(encoding="utf-8")).get("format") == LAKE_FORMAT
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            return False
    files = [p for p in path.rglob("*") if not p.is_dir()]
    return bool(files) and all(_DATA_FILE.match(p.relative_to(path).as_posix()) for p in files)


def check_lake_target(lake: Path) -> None:
    """Refuse a target the generator may not replace: anything but nothing, an empty folder or a lake."""
    if not os.path.lexists(lake):
        return
    if lake.is_symlink() or not lake.is_dir():
        raise LakeError(
            f"the lake path {lake} exists and is not a folder; the generator writes a lake only where there is "
            "nothing, an empty folder or a lake it wrote: choose another path"
        )
    if any(lake.iterdir()) and not is_generated_lake(lake):
        raise LakeError(
            f"the lake path {lake} is a folder that is not a lake written by this generator (it has no {MARKER}); "
            "the generator replaces only its own lakes and never deletes anything else: choose a new or "
            "empty folder, or remove this one yourself"
        )
