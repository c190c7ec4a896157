"""The admin endpoint's bearer token: where it comes from, and the one way a request's token is checked."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from agent.config import ConfigError

log = logging.getLogger("footprint.admin")

TOKEN_ENV = "FOOTPRINT_ADMIN_TOKEN"
MIN_TOKEN_CHARS = 16
_MAKE_ONE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def load_token(token_file: Path | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The token from $FOOTPRINT_ADMIN_TOKEN, else from `token_file`; None when neither is set.

    A token that is set but unusable (a missing or empty file, too short) is a ConfigError: a kill switch that
    silently refuses every operator would be found out at the worst time."""
    from_env = environ.get(TOKEN_ENV)
    if from_env:
        return _usable(from_env.strip(), f"${TOKEN_ENV}")
    if token_file is None:
        return None
    try:
        text = token_file.read_text()
    except OSError as exc:
        raise ConfigError(f"admin.token_file: cannot read {token_file}: {exc.strerror or exc}") from exc
    if token_file.stat().st_mode & 0o077:
        log.warning("admin token file %s can be read by other users: chmod 600 it", token_file)
    return _usable(text.strip(), f"admin.token_file {token_file}")


def bearer_matches(expected: str, authorization: str | None) -> bool:
    """Does an Authorization header carry `Bearer <expected>`? Compared in constant time."""
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def _usable(token: str, where: str) -> str:
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(f"{where}: the admin token has {len(token)} characters, fewer than {MIN_TOKEN_CHARS}; "
                          f"make one with {_MAKE_ONE}")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise ConfigError(f"{where}: the admin token must be printable ASCII without spaces")
    return token
