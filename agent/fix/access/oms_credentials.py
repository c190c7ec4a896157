"""OMS logon credentials: salted scrypt hashes in a secrets file kept outside the repository.

The secrets file is TOML, one table per OMS CompID (the OMS's SenderCompID(49)):

    [OMS]
    username = "desk1"
    password_hash = "scrypt$16384$8$1$<salt, base64>$<hash, base64>"

`footprint oms-password` prints such an entry. The KDF parameters travel with each hash, so raising them later
leaves existing entries valid. Only hashes are stored; a password lives in memory for one check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent.config import ConfigError

log = logging.getLogger("footprint.oms_access")

SCHEME = "scrypt"
# 2**14 x 8 x 1 takes 16 MiB and about 40 ms: slow enough against guessing, cheap enough for a logon.
DEFAULT_N, DEFAULT_R, DEFAULT_P = 2**14, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
# Bounds on parameters read from a file, so that a typo cannot make one check take minutes or gigabytes.
_MAX_LOG2_N, _MAX_R, _MAX_P = 20, 32, 16
ENV_SECRETS_FILE = "FOOTPRINT_OMS_SECRETS"
MIN_PASSWORD_LENGTH = 12
_COMP_ID = re.compile(r"[A-Za-z0-9_-]+")


class CredentialsError(ConfigError):
    """A secrets file or a hash in it is unusable; the message names the file, the entry and the problem."""


@dataclass(frozen=True)
class PasswordHash:
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes

    def encode(self) -> str:
        b64 = base64.b64encode
        return f"{SCHEME}${self.n}${self.r}${self.p}${b64(self.salt).decode()}${b64(self.digest).decode()}"

    def derive(self, password: str) -> bytes:
        return _scrypt(password, self.salt, self.n, self.r, self.p, len(self.digest))

    def matches(self, password: str) -> bool:
        """Whether `password` hashes to this, compared in constant time."""
        return hmac.compare_digest(self.derive(password), self.digest)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    memory = 128 * r * n * p + 1024 * 1024  # what scrypt needs, with headroom for OpenSSL's own check
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=length)


def hash_password(password: str, *, n: int = DEFAULT_N, r: int = DEFAULT_R, p: int = DEFAULT_P) -> PasswordHash:
    """A fresh random salt and the scrypt hash of `password`."""
    if not password:
        raise CredentialsError("the password is empty")
    _check_parameters(n, r, p)
    salt = secrets.token_bytes(SALT_BYTES)
    return PasswordHash(n, r, p, salt, _scrypt(password, salt, n, r, p, HASH_BYTES))


def _check_parameters(n: int, r: int, p: int) -> None:
    if n < 2 or n & (n - 1) or n > 2**_MAX_LOG2_N:
        raise CredentialsError(f"scrypt N must be a power of two up to 2**{_MAX_LOG2_N}, got {n}")
    if not 1 <= r <= _MAX_R or not 1 <= p <= _MAX_P:
        raise CredentialsError(f"scrypt r must be 1..{_MAX_R} and p 1..{_MAX_P}, got r={r} p={p}")


def parse_hash(encoded: str) -> PasswordHash:
    """Read `scrypt$N$r$p$salt$hash`; CredentialsError says which part is wrong (never echoing the hash)."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise CredentialsError(f"not of the form {SCHEME}$N$r$p$salt$hash")
    try:
        n, r, p = (int(x) for x in parts[1:4])
    except ValueError as exc:
        raise CredentialsError("N, r and p must be whole numbers") from exc
    _check_parameters(n, r, p)
    try:
        salt = base64.b64decode(parts[4], validate=True)
        digest = base64.b64decode(parts[5], validate=True)
    except binascii.Error as exc:
        raise CredentialsError("salt or hash is not base64") from exc
    if len(salt) < 8 or len(digest) < 16:
        raise CredentialsError("salt or hash is too short")
    return PasswordHash(n, r, p, salt, digest)


@dataclass(frozen=True)
class OmsCredential:
    """The one username and password hash an OMS CompID logs on with."""

    comp_id: str
    username: str
    password_hash: PasswordHash


def secrets_entry(comp_id: str, username: str, password: str) -> str:
    """The TOML table to add to the secrets file for this OMS."""
    if not _COMP_ID.fullmatch(comp_id):
        raise CredentialsError(f"session {comp_id!r} must be a CompID of letters, digits, '_' and '-'")
    if not username or not username.isprintable() or any(c in username for c in '"\\'):
        raise CredentialsError(f"username {username!r} must be printable, without quotes or backslashes")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CredentialsError(f"the password is shorter than {MIN_PASSWORD_LENGTH} characters")
    if any(c in password for c in "\x01\r\n"):
        raise CredentialsError("the password holds a control character that cannot go in a FIX field")
    return (f"[{comp_id}]\nusername = \"{username}\"\n"
            f"password_hash = \"{hash_password(password).encode()}\"\n")


def load_credentials(path: Path) -> dict[str, OmsCredential]:
    """Every entry of a secrets file by OMS CompID; CredentialsError names the file and entry at fault."""
    try:
        data = tomllib.loads(path.read_text())
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise CredentialsError(f"OMS secrets file {path} not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"OMS secrets file {path} cannot be read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CredentialsError(f"OMS secrets file {path}: not valid TOML: {exc}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("OMS secrets file %s can be read by others (mode %o): chmod 600 it", path, mode & 0o777)
    return {comp_id: _entry(path, comp_id, entry) for comp_id, entry in data.items()}


def _entry(path: Path, comp_id: str, entry: object) -> OmsCredential:
    where = f"OMS secrets file {path}, [{comp_id}]"
    if not isinstance(entry, Mapping):
        raise CredentialsError(f"{where}: must be a table with username and password_hash")
    extra = sorted(set(entry) - {"username", "password_hash"})
    if extra:
        raise CredentialsError(f"{where}: unknown key {', '.join(extra)}")
    username, encoded = entry.get("username"), entry.get("password_hash")
    if not isinstance(username, str) or not username:
        raise CredentialsError(f"{where}: username must be a non-empty string")
    if not isinstance(encoded, str):
        raise CredentialsError(f"{where}: password_hash must be a string")
    try:
        return OmsCredential(comp_id, username, parse_hash(encoded))
    except CredentialsError as exc:
        raise CredentialsError(f"{where}: password_hash: {exc}") from exc


def secrets_path(configured: Path | None) -> Path | None:
    """The secrets file: the configured one, else the one the environment variable names, else none."""
    if configured is not None:
        return configured
    named = os.environ.get(ENV_SECRETS_FILE, "").strip()
    return Path(named) if named else None


# Checked against when the username is unknown, so that a refusal takes as long whatever the reason.
_DECOY = PasswordHash(DEFAULT_N, DEFAULT_R, DEFAULT_P, b"\x00" * SALT_BYTES, b"\x00" * HASH_BYTES)


def check_password(credential: OmsCredential | None, username: str | None, password: str) -> str | None:
    """None when `username`/`password` match `credential`, else why not: "unknown user" or "wrong password"."""
    if credential is None or username != credential.username:
        _DECOY.matches(password)
        return "unknown user"
    return None if credential.password_hash.matches(password) else "wrong password"


class CredentialStore:
    """The secrets file as of its last change: read at start, read again when it changes, so a password can be
    rotated without a restart. A changed file that does not load leaves the previous entries in force."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._entries: dict[str, OmsCredential] = {}
        if path is not None:
            self._entries = load_credentials(path)
            self._stamp = self._file_stamp()

    def _file_stamp(self) -> tuple[int, int] | None:
        assert self.path is not None
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def get(self, comp_id: str) -> OmsCredential | None:
        """The entry for this OMS CompID, None when it has none."""
        if self.path is not None and self._file_stamp() != self._stamp:
            self._stamp = self._file_stamp()
            try:
                self._entries = load_credentials(self.path)
                log.info("OMS secrets file %s read again: %d entries", self.path, len(self._entries))
            except CredentialsError as exc:
                log.error("%s; the previous entries stay in force", exc)
        return self._entries.get(comp_id)

    def comp_ids(self) -> set[str]:
        return set(self._entries)
