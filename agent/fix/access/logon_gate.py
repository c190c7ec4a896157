"""The logon gate: the only thing listening on the OMS port. QuickFIX sees a connection only once it has logged on.

Each connection must send, within `logon_timeout_s`, a well-formed Logon (35=A) from a configured OMS session,
from an address that session allows, with the Username(553)/Password(554) of its secrets entry when it has one.
The gate then strips the password from the Logon (QuickFIX logs every inbound message), connects to QuickFIX's
acceptor on loopback, forwards the Logon and pipes bytes both ways until either side closes. A refused connection
is logged (session, peer, reason, never the password) and closed; QuickFIX never sees it, so its sequence numbers
are untouched.

Descriptors: at most `max_pending_connections` connections wait for their Logon; more are closed at once. When
the process runs out of descriptors anyway (EMFILE), accepting does not stop: a few descriptors held in reserve
let the gate accept and close what is waiting, log it loudly, and resume normal service once descriptors are
free again. The reserve is also what lets a good Logon reach QuickFIX when everything else is taken, and no new
connection is accepted until QuickFIX has answered it, so QuickFIX's own accept (which ends its acceptor thread
for good on failure) always has a descriptor.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import os
import resource
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass

import quickfix as fix

from agent.config import ConfigError, OmsAccessConfig
from agent.fix.access.fix_frame import FixMessage, FrameError, message_length, parse_message
from agent.fix.access.oms_credentials import CredentialsError, CredentialStore, check_password, secrets_path
from fix_config.vocabulary import MsgType, Tag

log = logging.getLogger("footprint.oms_access")

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE}
_TRANSIENT_ACCEPT = {errno.ECONNABORTED, errno.EPROTO, errno.EPERM, errno.ENOBUFS, errno.ENOMEM, errno.EINTR}
_SECRET_TAGS = (Tag.PASSWORD, Tag.NEW_PASSWORD)
_RESERVE = 4  # one to shed a connection, one for the gate's socket to QuickFIX, one for QuickFIX's accept, spare
_RECV = 65536
_QUICKFIX_ANSWER_S = 5.0
_RETRY_S = 0.5
ALLOWED_REMOTE_ADDRESSES = "AllowedRemoteAddresses"


@dataclass(frozen=True)
class GateSession:
    """One OMS session QuickFIX accepts, as a Logon names it, and the addresses it may come from (empty: any)."""

    begin_string: str
    agent_comp_id: str  # the Logon's TargetCompID(56)
    oms_comp_id: str  # the Logon's SenderCompID(49)
    allowed: tuple[IpNetwork, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.begin_string}:{self.oms_comp_id}->{self.agent_comp_id}"

    def admits(self, host: str) -> bool:
        return not self.allowed or _in_networks(host, self.allowed)


def _in_networks(host: str, networks: Iterable[IpNetwork]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d
    return any(address in net for net in networks)


def sessions_from_settings(path: str) -> list[GateSession]:
    """The [SESSION]s of a QuickFIX acceptor settings file, with their AllowedRemoteAddresses (addresses or
    networks, comma-separated). ConfigError names a bad address."""
    settings = fix.SessionSettings(path)
    sessions = []
    for sid in settings.getSessions():
        d = settings.get(sid)
        allowed: list[IpNetwork] = []
        if d.has(ALLOWED_REMOTE_ADDRESSES):
            for item in d.getString(ALLOWED_REMOTE_ADDRESSES).split(","):
                if item.strip():
                    try:
                        allowed.append(ipaddress.ip_network(item.strip(), strict=False))
                    except ValueError as exc:
                        raise ConfigError(f"{path}: {ALLOWED_REMOTE_ADDRESSES} of {sid.toString()}: {exc}") from exc
        sessions.append(GateSession(sid.getBeginString().getValue(), sid.getSenderCompID().getValue(),
                                    sid.getTargetCompID().getValue(), tuple(allowed)))
    return sessions


def open_credentials(access: OmsAccessConfig, sessions: list[GateSession]) -> CredentialStore:
    """The secrets in force at start; CredentialsError when the file is bad, or when a password is required and
    a session has no entry."""
    store = CredentialStore(secrets_path(access.secrets_file))
    if access.require_password:
        if store.path is None:
            raise CredentialsError("oms_access.require_password is set but no secrets file is: set "
                                   "oms_access.secrets_file or the FOOTPRINT_OMS_SECRETS variable")
        missing = sorted({s.oms_comp_id for s in sessions} - store.comp_ids())
        if missing:
            raise CredentialsError(f"oms_access.require_password is set and the secrets file {store.path} has no "
                                   f"entry for {', '.join(missing)}")
    return store


class RateLimitedLog:
    """Log lines by kind, at most `burst` of a kind per `interval_s`, so that a flood cannot fill the disk; the
    first line of the next interval says how many were held back."""

    def __init__(self, interval_s: float, burst: int = 1) -> None:
        self.interval_s = interval_s
        self.burst = burst
        self._window: dict[str, tuple[float, int]] = {}  # kind -> (interval start, lines logged in it)
        self._held: dict[str, int] = {}

    def log(self, kind: str, level: int, msg: str, *args: object) -> None:
        now = time.monotonic()
        start, count = self._window.get(kind, (now, 0))
        if now - start >= self.interval_s:
            start, count = now, 0
        if count >= self.burst:
            self._held[kind] = self._held.get(kind, 0) + 1
            return
        self._window[kind] = (start, count + 1)
        held = self._held.pop(kind, 0)
        if held:
            msg += f" ({held} more like this not logged)"
        log.log(level, msg, *args)


class DescriptorReserve:
    """Descriptors opened on /dev/null and held, to be given back to the process when it has none left."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._fds: list[int] = []
        self.refill()

    def __len__(self) -> int:
        return len(self._fds)

    def refill(self) -> None:
        while len(self._fds) < self.size:
            try:
                self._fds.append(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))
            except OSError:
                return

    def release(self, count: int | None = None) -> int:
        """Close `count` of them (all by default); how many were closed."""
        n = len(self._fds) if count is None else min(count, len(self._fds))
        for _ in range(n):
            os.close(self._fds.pop())
        return n


class Refused(Exception):
    """A connection the gate will not pass on: `kind` for rate limiting, the message is the reason logged (never
    a secret)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class LogonGate:
    """Listens on the OMS port; see the module docstring. `start` on the agent's loop, `stop` to close it all."""

    def __init__(self, cfg: OmsAccessConfig, port: int, upstream_port: int, sessions: list[GateSession],
                 credentials: CredentialStore) -> None:
        self._cfg = cfg
        self._port = port
        self._upstream = ("127.0.0.1", upstream_port)
        self._sessions = {(s.begin_string, s.agent_comp_id, s.oms_comp_id): s for s in sessions}
        # A peer no session admits is closed on accept, before it costs a timeout.
        self._any_address = any(not s.allowed for s in sessions)
        self._networks = [net for s in sessions for net in s.allowed]
        self._credentials = credentials
        self._listener: socket.socket | None = None
        self._accepting = asyncio.Event()
        self._upstream_lock = asyncio.Lock()
        # One password check at a time, off the loop: scrypt is meant to be slow.
        self._kdf = asyncio.Semaphore(1)
        self._reserve = DescriptorReserve(_RESERVE)
        self._tasks: set[asyncio.Task[None]] = set()
        self._accept_task: asyncio.Task[None] | None = None
        self._loud = RateLimitedLog(interval_s=5.0)  # descriptors, cap, accept errors: one line per 5 s
        self._refusals = RateLimitedLog(interval_s=10.0, burst=10)  # each refused logon, up to 10 per 10 s a kind
        self.pending = 0  # connections waiting for their Logon
        self.piped = 0  # logged-on connections being piped to QuickFIX
        self.shed = 0  # connections closed at once for want of descriptors
        self._out_since: float | None = None

    @property
    def port(self) -> int:
        assert self._listener is not None, "the gate is not started"
        return int(self._listener.getsockname()[1])

    async def start(self) -> int:
        """Listen and start accepting; the port listened on. ConfigError when the address cannot be listened on."""
        family = socket.AF_INET6 if ipaddress.ip_address(self._cfg.bind_address).version == 6 else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self._cfg.bind_address, self._port))
            listener.listen(socket.SOMAXCONN)
            listener.setblocking(False)
        except OSError as exc:
            listener.close()
            raise ConfigError(f"oms_port {self._port} on oms_access.bind_address {self._cfg.bind_address}: "
                              f"cannot listen: {exc.strerror}") from exc
        self._listener = listener
        self._accepting.set()
        self._accept_task = asyncio.create_task(self._accept_loop(), name="oms-logon-gate")
        return self.port

    async def stop(self) -> None:
        """Stop accepting and close every connection, logged on or not."""
        tasks = [t for t in (self._accept_task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._listener is not None:
            self._listener.close()
        self._reserve.release()

    # accepting
    async def _accept_loop(self) -> None:
        assert self._listener is not None
        while True:
            await self._accepting.wait()
            await self._readable()
            if not self._accepting.is_set():
                continue  # a Logon is on its way to QuickFIX: the next descriptor is QuickFIX's
            try:
                conn, address = self._listener.accept()
            except BlockingIOError:
                continue
            except OSError as exc:
                await self._accept_failed(exc)
                continue
            try:
                self._descriptors_back()
                self._admit(conn, address)
            except Exception:  # never the end of the gate
                log.exception("OMS gate: admitting a connection from %s failed", address)
                conn.close()

    async def _readable(self) -> None:
        """Until a connection is waiting (or accept would fail: the listener stays readable then)."""
        assert self._listener is not None
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = self._listener.fileno()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, wake)
        try:
            await ready
        finally:
            loop.remove_reader(fd)

    async def _accept_failed(self, exc: OSError) -> None:
        if exc.errno in _OUT_OF_DESCRIPTORS:
            if self._out_since is None:
                self._out_since = time.monotonic()
            self._loud.log("descriptors", logging.ERROR,
                           "OMS gate: OUT OF FILE DESCRIPTORS (%s; soft limit %d, %d waiting for a Logon, %d "
                           "logged on): new OMS connections are closed at once until some are free; %d so far",
                           exc.strerror, _soft_limit(), self.pending, self.piped, self.shed)
            if self._shed_one():
                return
        elif exc.errno not in _TRANSIENT_ACCEPT:
            self._loud.log("accept", logging.ERROR, "OMS gate: accept failed: %s; retrying", exc)
        await asyncio.sleep(_RETRY_S)

    def _shed_one(self) -> bool:
        """Accept and close one waiting connection with a reserve descriptor, so none waits on a full process."""
        assert self._listener is not None
        if not self._reserve.release(1):
            return False
        try:
            conn, _ = self._listener.accept()
        except OSError:
            return False
        else:
            conn.close()
            self.shed += 1
            return True
        finally:
            self._reserve.refill()

    def _descriptors_back(self) -> None:
        if self._out_since is not None:
            log.warning("OMS gate: file descriptors available again after %.1f s; %d connections were closed at "
                        "once meanwhile", time.monotonic() - self._out_since, self.shed)
            self._out_since = None
        self._reserve.refill()

    def _admit(self, conn: socket.socket, address: tuple[str, int]) -> None:
        host, peer = address[0], _peer(address)
        if not self._any_address and not _in_networks(host, self._networks):
            self._loud.log("address", logging.WARNING, "OMS gate: connection from %s closed at once: no OMS "
                           "session allows that address (%s)", peer, ALLOWED_REMOTE_ADDRESSES)
            conn.close()
            return
        if self.pending >= self._cfg.max_pending_connections:
            self._loud.log("cap", logging.WARNING, "OMS gate: %d connections already waiting for a Logon "
                           "(max_pending_connections): connection from %s closed at once", self.pending, peer)
            conn.close()
            return
        conn.setblocking(False)
        self.pending += 1
        task = asyncio.create_task(self._serve(conn, host, peer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # one connection
    async def _serve(self, conn: socket.socket, host: str, peer: str) -> None:
        upstream: socket.socket | None = None
        waiting = True
        try:
            try:
                async with asyncio.timeout(self._cfg.logon_timeout_s):
                    logon, rest = await self._read_logon(conn)
                session = self._session_of(logon, host)
                user = await self._authenticate(session, logon)
            except TimeoutError:
                raise Refused("timeout", f"no Logon within {self._cfg.logon_timeout_s:g} s") from None
            except FrameError as exc:
                raise Refused("not FIX", f"not FIX: {exc}") from None
            self.pending -= 1
            waiting = False
            try:
                upstream, answer = await self._open_upstream(logon.without(_SECRET_TAGS) + rest)
            except OSError as exc:
                self._loud.log("upstream", logging.ERROR, "OMS gate: logon of session %s from %s not let through: "
                               "QuickFIX's acceptor on port %d cannot be reached: %s", session.name, peer,
                               self._upstream[1], exc)
                return
            log.info("OMS logon let through: session %s, peer %s%s", session.name, peer,
                     f", user {user!r}" if user else "")
            self.piped += 1
            try:
                await self._pipe(conn, upstream, answer)
            finally:
                self.piped -= 1
        except Refused as exc:
            self._refusals.log(exc.kind, logging.WARNING, "OMS logon refused: peer %s: %s", peer, exc)
        except OSError as exc:  # the peer went away or reset
            log.debug("OMS connection from %s ended: %s", peer, exc)
        except Exception:
            log.exception("OMS gate: connection from %s failed", peer)
        finally:
            if waiting:
                self.pending -= 1
            conn.close()
            if upstream is not None:
                upstream.close()

    async def _read_logon(self, conn: socket.socket) -> tuple[FixMessage, bytes]:
        """The first message, and whatever came after it; bounded by `max_logon_bytes`."""
        loop = asyncio.get_running_loop()
        buffer = b""
        while True:
            length = message_length(buffer, self._cfg.max_logon_bytes)
            if length is not None:
                return parse_message(buffer[:length]), buffer[length:]
            data = await loop.sock_recv(conn, self._cfg.max_logon_bytes)
            if not data:
                raise ConnectionResetError("closed before a Logon")
            buffer += data

    def _session_of(self, logon: FixMessage, host: str) -> GateSession:
        if logon.msg_type != MsgType.LOGON:
            raise Refused("not a Logon", f"not a Logon: the first message has MsgType {_shown(logon.msg_type)}")
        key = (logon.get(Tag.BEGIN_STRING) or "", logon.get(Tag.TARGET_COMP_ID) or "",
               logon.get(Tag.SENDER_COMP_ID) or "")
        session = self._sessions.get(key)
        if session is None:
            raise Refused("unknown session", f"unknown session {_shown(key[0])}:{_shown(key[2])}->{_shown(key[1])}")
        if not session.admits(host):
            raise Refused("address", f"session {session.name}: address not in its {ALLOWED_REMOTE_ADDRESSES}")
        return session

    async def _authenticate(self, session: GateSession, logon: FixMessage) -> str | None:
        """The username a session with a secrets entry logged on with; Refused says why not."""
        credential = self._credentials.get(session.oms_comp_id)
        if credential is None:
            if self._cfg.require_password:
                raise Refused("no entry", f"session {session.name}: a password is required and the secrets file has "
                              "no entry for it")
            return None
        username, password = logon.get(Tag.USERNAME), logon.get(Tag.PASSWORD)
        if password is None:
            raise Refused("no password", f"session {session.name}, user {_shown(username)}: no password")
        async with self._kdf:
            reason = await asyncio.to_thread(check_password, credential, username, password)
        if reason is not None:
            raise Refused(reason, f"session {session.name}, user {_shown(username)}: {reason}")
        return username

    async def _open_upstream(self, first: bytes) -> tuple[socket.socket, bytes]:
        """Connect to QuickFIX and hand it the Logon; no new connection is accepted until QuickFIX has answered
        (it has then accepted), so the reserve descriptors freed for this go to QuickFIX and not to a newcomer."""
        loop = asyncio.get_running_loop()
        async with self._upstream_lock:
            self._accepting.clear()
            self._reserve.release()
            upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                upstream.setblocking(False)
                await loop.sock_connect(upstream, self._upstream)
                await loop.sock_sendall(upstream, first)
                try:
                    answer = await asyncio.wait_for(loop.sock_recv(upstream, _RECV), _QUICKFIX_ANSWER_S)
                except TimeoutError:
                    log.warning("OMS gate: QuickFIX has not answered a Logon within %.0f s", _QUICKFIX_ANSWER_S)
                    answer = b""
            except BaseException:
                upstream.close()
                raise
            finally:
                self._reserve.refill()
                self._accepting.set()
        return upstream, answer

    async def _pipe(self, client: socket.socket, upstream: socket.socket, answer: bytes) -> None:
        loop = asyncio.get_running_loop()
        if answer:
            await loop.sock_sendall(client, answer)
        pumps = [asyncio.create_task(_pump(client, upstream)), asyncio.create_task(_pump(upstream, client))]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)


async def _pump(src: socket.socket, dst: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    with contextlib.suppress(ConnectionError):
        while data := await loop.sock_recv(src, _RECV):
            await loop.sock_sendall(dst, data)


def _peer(address: tuple[str, int] | tuple[str, int, int, int]) -> str:
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _shown(value: str | None, limit: int = 40) -> str:
    """A value from the wire, quoted and cut short for a log line."""
    return "none" if value is None else repr(value[:limit])


def _soft_limit() -> int:
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
