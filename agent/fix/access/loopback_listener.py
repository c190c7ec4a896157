"""Confine a listening socket QuickFIX opened to the loopback interface.

QuickFIX C++ 1.16 has no listen-address setting: its acceptor binds every interface (INADDR_ANY). The agent's
QuickFIX acceptor is meant to be reached only by the logon gate over loopback, so once it listens, its socket is
found among this process's descriptors and bound to the loopback device (SO_BINDTODEVICE, Linux; unprivileged
since Linux 5.7): a connection from another host is then refused by the kernel before QuickFIX sees it.
"""

from __future__ import annotations

import logging
import os
import socket
import stat

log = logging.getLogger("footprint.oms_access")

LOOPBACK_DEVICE = b"lo"


def confine_to_loopback(port: int) -> int:
    """Bind every TCP socket of this process listening on `port` to the loopback device; how many were."""
    if not hasattr(socket, "SO_BINDTODEVICE"):
        return 0
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return 0
    confined = 0
    for fd in fds:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            sock = socket.socket(fileno=fd)
        except OSError:
            continue
        try:
            if _listens_on(sock, port):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, LOOPBACK_DEVICE)
                confined += 1
        except OSError as exc:
            log.warning("could not bind the listening socket on port %d to loopback: %s", port, exc)
        finally:
            sock.detach()  # the descriptor stays QuickFIX's
    return confined


def _listens_on(sock: socket.socket, port: int) -> bool:
    if sock.type != socket.SOCK_STREAM or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    return bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)) and sock.getsockname()[1] == port


def free_port() -> int:
    """A TCP port nothing listens on right now on any interface (QuickFIX binds them all)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("", 0))
        return int(s.getsockname()[1])
