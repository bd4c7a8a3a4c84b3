"""Where the warm runner listens, and who may be on either end of its socket.

A command hands the warm runner (flows.warm) its whole environment (tokens, API
keys) and its terminal, so it must only ever talk to its own user's runner. The
socket is therefore a file in a folder that only that user can enter,
QAFLOW_HOME/server/warm/ (mode 0700), next to the runner's `pid` and `lock`.

Before a client sends anything it checks, on file descriptors it holds open so
that nothing can be swapped in between: the folder is a folder (not a link)
owned by this user with no group or other permission bits; `sock` in it is a
socket (not a link) owned by this user; and the process that listens on it
(SO_PEERCRED of the connected socket) has this user's uid and the pid the runner
recorded. The runner, for its part, serves only peers with its own uid. Paths
are reached through the held folder (/proc/self/fd/N/sock), which also keeps
them under the 108-byte limit of a socket address however deep QAFLOW_HOME is.

Linux's abstract namespace, used before, has no owner and no permissions: any
local user could bind the (computable) name first and receive the commands.
Standard library (and tasks.paths) only: the client side runs before anything heavy is imported.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import socket
import stat
import struct

from tasks.paths import WARM

_CRED = struct.Struct("3i")  # struct ucred: pid, uid, gid
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class Untrusted(Exception):
    """The runner's folder, socket or listener is not this user's alone: send it nothing."""


class AlreadyRunning(Exception):
    """Another runner holds this QAFLOW_HOME's lock."""


def folder_path(home: str) -> str:
    """QAFLOW_HOME/server/warm: the runner's private folder."""
    return os.path.join(home, *WARM)


def open_folder(home: str, create: bool = False) -> int:
    """An open descriptor of the private folder, checked: this user's, a real folder, mode 0700.

    `create` (the runner) makes it first: mkdir with mode 0700 is atomic, so the
    folder never exists with looser permissions. A folder someone else made, or
    one with group/other bits, is refused rather than repaired: anything could be
    planted in it already. FileNotFoundError when it does not exist (no runner).
    """
    path = folder_path(home)
    if create:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
    try:
        fd = os.open(path, _OPEN_FOLDER)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise Untrusted(f"{path} is not a folder (a symbolic link?)") from None
        raise
    try:
        st = os.fstat(fd)
        if st.st_uid != os.getuid():
            raise Untrusted(f"{path} belongs to uid {st.st_uid}, not to you (uid {os.getuid()})")
        if st.st_mode & 0o077:
            raise Untrusted(f"{path} has mode {stat.S_IMODE(st.st_mode):04o}: other users can reach it "
                            "(remove the folder; `qaflow server up` makes it again with mode 0700)")
        if create and st.st_mode & 0o700 != 0o700:
            os.fchmod(fd, 0o700)  # ours, closed to others; a umask took our own bits
    except BaseException:
        os.close(fd)
        raise
    return fd


def socket_path(folder: int) -> str:
    """The socket's address through the held folder: short, and no path component can be swapped."""
    return f"/proc/self/fd/{folder}/sock"


def peer(sock: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process on the other end (SO_PEERCRED)."""
    pid, uid, _ = _CRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))
    return pid, uid


def recorded_pid(folder: int) -> int | None:
    """The pid the runner wrote into its folder, or None."""
    try:
        fd = os.open("pid", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    except OSError:
        return None
    try:
        return int(os.read(fd, 32))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def connect(home: str, timeout: float) -> tuple[socket.socket, int] | None:
    """A connection to this user's runner and its pid, verified before a byte is sent.

    None when there is no runner (no folder, no socket, nobody listening);
    Untrusted when something is there that is not this user's runner.
    """
    try:
        folder = open_folder(home)
    except OSError:
        return None
    try:
        where = folder_path(home)
        try:
            st = os.stat("sock", dir_fd=folder, follow_symlinks=False)
        except OSError:
            return None
        if not stat.S_ISSOCK(st.st_mode):
            raise Untrusted(f"{where}/sock is not a socket (a symbolic link?)")
        if st.st_uid != os.getuid():
            raise Untrusted(f"{where}/sock belongs to uid {st.st_uid}, not to you (uid {os.getuid()})")
        recorded = recorded_pid(folder)
        if recorded is None:
            return None
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            try:
                sock.connect(socket_path(folder))
            except OSError:
                sock.close()
                return None
            pid, uid = peer(sock)
            if uid != os.getuid():
                raise Untrusted(f"{where}/sock is served by uid {uid}, not by you (uid {os.getuid()})")
            if pid != recorded:
                raise Untrusted(f"{where}/sock is served by pid {pid}, not by the runner (pid {recorded})")
        except BaseException:
            sock.close()
            raise
        return sock, pid
    finally:
        os.close(folder)


class Place:
    """The runner's side: its folder held open and locked for as long as it runs."""

    def __init__(self, home: str) -> None:
        self.folder = open_folder(home, create=True)
        try:
            self.lock = os.open("lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                                dir_fd=self.folder)
        except BaseException:
            os.close(self.folder)
            raise
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.close(remove=False)
            raise AlreadyRunning(f"a warm runner already serves {home}") from None

    def listen(self) -> socket.socket:
        """Record this pid, then listen on `sock` (mode 0600); any older `sock` is stale: we hold the lock."""
        temporary = f"pid.{os.getpid()}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                     dir_fd=self.folder)
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
        os.replace(temporary, "pid", src_dir_fd=self.folder, dst_dir_fd=self.folder)
        with contextlib.suppress(FileNotFoundError):
            os.unlink("sock", dir_fd=self.folder)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        previous = os.umask(0o177)
        try:
            listener.bind(socket_path(self.folder))
        finally:
            os.umask(previous)
        listener.listen(128)
        return listener

    def close(self, remove: bool = True) -> None:
        """Let go of the folder (a forked command must, or it would keep the lock); `remove` the socket and pid."""
        if remove:
            for name in ("sock", "pid"):
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=self.folder)
        for fd in (self.lock, self.folder):
            with contextlib.suppress(OSError):
                os.close(fd)
