"""The release secret: the key of the noise, random and private to the install.

Whoever can regenerate the noise can subtract it, so its key must come from nothing an
outsider has (the scenario and its seed are public): a random secret of the install,
read from the environment or from a private file created on first use.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

SECRET_ENV = "EGS_RELEASE_SECRET"
SECRET_FILE = "release.secret"
SECRET_MIN_HEX = 32  # 128 bits: out of reach of guessing
_HEX = re.compile(r"[0-9a-fA-F]+")


def check_secret(secret: str, source: str) -> str:
    """The secret in one spelling (lower case), or an error naming where it came from.

    The message never quotes the value: a near miss is still most of a secret.
    """
    if not isinstance(secret, str) or len(secret) < SECRET_MIN_HEX or not _HEX.fullmatch(secret):
        found = (
            f"got {len(secret)} characters" if isinstance(secret, str) else f"got a {type(secret).__name__}"
        )
        if isinstance(secret, str) and secret and not _HEX.fullmatch(secret):
            found += ", not all hexadecimal"
        raise ValueError(
            f"{source} must be at least {SECRET_MIN_HEX} hexadecimal characters (0-9, a-f), {found}; "
            "make one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return secret.lower()


def secret_path() -> Path:
    """Where the install keeps its release secret when EGS_RELEASE_SECRET is not set.

    In $DAGSTER_HOME, the instance's own folder (the Makefile and the tests set it; git
    ignores all of it but dagster.yaml), else in the user's configuration folder: never in
    the data folder, which holds the release and gets copied and shared.
    """
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if home:
        return Path(home).expanduser() / SECRET_FILE
    config = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(config) if config else Path.home() / ".config") / "economic-graph-simulator" / SECRET_FILE


def _create_secret(path: Path) -> None:
    """Write a new random secret at ``path`` unless another process does so first.

    The secret is written whole to a private temporary file (mkstemp: mode 0600) and then
    hard-linked to its name, which fails if the name exists: of two first releases racing,
    one secret wins, and neither ever reads a half-written file.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = secrets.token_hex(32) + "\n"
    descriptor, temporary = tempfile.mkstemp(prefix=f".{SECRET_FILE}-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won: its secret is the install's
        except OSError:
            # No hard links on this file system: create the name exclusively instead.
            try:
                exclusive = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(exclusive, "w", encoding="ascii") as out:
                out.write(text)
    finally:
        os.unlink(temporary)


def release_secret(outside: Iterable[str | Path] = ()) -> str:
    """The install's release secret (hexadecimal), the key of the noise.

    From the environment variable EGS_RELEASE_SECRET when set, else from the file
    :func:`secret_path`, created at random on first use and read on every later release,
    so that the releases of one install are consistent. ``outside``: folders the secret
    file must not be in (the data folder, which holds the release).
    """
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        return check_secret(value, f"environment variable {SECRET_ENV}")
    path = secret_path()
    for folder in outside:
        if path.resolve().is_relative_to(Path(folder).resolve()):
            raise ValueError(
                f"the release secret {path} would be inside {folder}, which is published or shared: "
                f"set DAGSTER_HOME to a folder outside it, or set {SECRET_ENV}"
            )
    if not path.exists():
        _create_secret(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(
            f"the release secret {path} is open to other users (mode {mode:o}): run chmod 600 on it"
        )
    return check_secret(path.read_text(encoding="ascii").strip(), f"the release secret file {path}")
