#!/usr/bin/python3
"""faultfs: a passthrough FUSE file system for testing the order store against a disk that fails or is slow.

It mirrors a backing directory at a mount point, counts every operation that reaches it by kind, and can

- fail the n-th operation of one kind (`fsync`, `write`, `rename`, `mkdir`, `open`, or any other FUSE operation
  name such as `unlink`) once, with `EIO`, `ENOSPC` or `EROFS`;
- add a fixed latency to every metadata operation and another to every flush (a model of a network disk such as
  Amazon EFS, where each is a round trip).

Kinds: `fsync` is a file's fsync or a directory's; `open` is any open that reaches the file system: an existing file
(FUSE `open`), a new one (`create`) or a directory (`opendir`; an `O_PATH` open never reaches a file system). Every
other kind is the FUSE operation's own name. Latency classes: `fsync` is a flush; `read`, `write` and closing a file
cost nothing extra (a network client buffers writes until the flush); every other operation (a lookup, an open, a
rename, a directory read, ...) is a metadata operation.

It also keeps track of what a power loss could take back: each name made in a directory (by mkdir, by an exclusive
create, by a rename or a link) stays *unsynced* until an fsync of that directory succeeds. A file created without
O_EXCL (a lock file, which needs no durability) is not tracked; nor are removals.

The plan is set at run time, by the driver, over a Unix socket: one JSON object per line, one JSON answer per line.

    {"command": "plan", "fail": {"kind": "fsync", "nth": 2, "errno": "EIO"}, "metadata_ms": 1, "flush_ms": 3}
        sets the fault (or "fail": null for none) and the latencies, and starts counting again from zero;
    {"command": "syncfs"}
        a syncfs of the mount, sent by scripts/faultfs-syncfs.c (preloaded) since FUSE never sees one: counted and
        failed as a flush (kind `fsync`, operation `syncfs`); answers {"errno": 0}, having synced every name made, or
        {"errno": N} to fail it;
    {"command": "report", "under": "/data"}
        answers {"counts": {"open": 12, ...}, "fired": {"kind": "fsync", "nth": 2, "errno": "EIO",
        "operation": "fsyncdir", "path": "/data/orders", "at": 1796170000.123}} ("fired" is null until the fault has
        fired; "at" is when, in seconds since the epoch), and "unsynced": the names under "under" (a path in the
        mount; default "/") made and not yet synced in their directory, that still exist.

Usage:
    faultfs.py mount BACKING MOUNTPOINT --control SOCKET [--metadata-ms N] [--flush-ms N] [--while-alive PID]
        serves in the foreground until SIGTERM or SIGINT (or until process PID is gone), then unmounts; needs
        /dev/fuse and root (Debian: python3-fusepy and fuse3, which the Makefile installs)
    faultfs.py control SOCKET 'JSON'
        sends one command and prints the answer
"""

import argparse
import ctypes
import errno
import json
import os
import signal
import socket
import sys
import threading
import time

# The operation kinds a fault can be named by, beyond the FUSE operations' own names.
KINDS = {"fsyncdir": "fsync", "syncfs": "fsync", "create": "open", "opendir": "open"}
FLUSHES = {"fsync", "fsyncdir", "syncfs"}
# Free in the latency model: data moves with the flush; closing is local.
NO_LATENCY = {"read", "write", "flush", "release", "releasedir", "init", "destroy", "statfs", "getxattr",
              "listxattr"}
# Internal to the mount, never counted.
NOT_COUNTED = {"init", "destroy"}
ERRNOS = {"EIO": errno.EIO, "ENOSPC": errno.ENOSPC, "EROFS": errno.EROFS}


class Plan:
    """What to fail and how slow to be, and the counts since it was set. Shared by FUSE's threads."""

    def __init__(self, metadata_ms=0.0, flush_ms=0.0):
        self.lock = threading.Lock()
        self.fail = None
        self.fired = None
        self.counts = {}
        # Directory -> names made in it since its last successful fsync (paths in the mount, from "/").
        self.unsynced = {}
        self.metadata_ms = metadata_ms
        self.flush_ms = flush_ms

    def set(self, command):
        fail = command.get("fail")
        if fail is not None:
            if not isinstance(fail.get("kind"), str) or not isinstance(fail.get("nth"), int) or fail["nth"] < 1:
                raise ValueError('"fail" needs a "kind" and an "nth" of 1 or more')
            if fail.get("errno", "EIO") not in ERRNOS:
                raise ValueError(f'"errno" must be one of {", ".join(ERRNOS)}')
            fail = {"kind": fail["kind"], "nth": fail["nth"], "errno": fail.get("errno", "EIO")}
        with self.lock:
            self.fail = fail
            self.fired = None
            self.counts = {}
            self.metadata_ms = float(command.get("metadata_ms", self.metadata_ms))
            self.flush_ms = float(command.get("flush_ms", self.flush_ms))

    def report(self, under, exists):
        """The counts, the fault if it fired, and the unsynced names under `under` that `exists` still finds."""
        prefix = under.rstrip("/") + "/"
        with self.lock:
            unsynced = sorted(f"{directory.rstrip('/')}/{name}" for directory, names in self.unsynced.items()
                              for name in names if (directory.rstrip("/") + "/").startswith(prefix))
            report = {"counts": dict(self.counts), "fired": self.fired}
        report["unsynced"] = [path for path in unsynced if exists(path)]
        return report

    def made(self, path):
        directory, name = os.path.split(path)
        with self.lock:
            self.unsynced.setdefault(directory, set()).add(name)

    def removed(self, path):
        directory, name = os.path.split(path)
        with self.lock:
            self.unsynced.get(directory, set()).discard(name)

    def synced(self, directory):
        with self.lock:
            self.unsynced.pop(directory, None)

    def synced_everything(self):
        with self.lock:
            self.unsynced.clear()

    def account(self, operation, path):
        """Counts the operation; returns the errno to fail it with, if it is the planned one, and its latency."""
        kind = KINDS.get(operation, operation)
        with self.lock:
            if operation not in NOT_COUNTED:
                self.counts[kind] = self.counts.get(kind, 0) + 1
            failure = None
            fail = self.fail
            if fail is not None and self.fired is None and fail["kind"] == kind and fail["nth"] == self.counts[kind]:
                self.fired = dict(fail, operation=operation, path=path, at=time.time())
                failure = ERRNOS[fail["errno"]]
            if operation in FLUSHES:
                delay = self.flush_ms
            elif operation in NO_LATENCY:
                delay = 0.0
            else:
                delay = self.metadata_ms
        return failure, delay


def make_filesystem(fusepy):
    """The passthrough file system class, over the fusepy module (imported only when mounting)."""

    class FaultFS(fusepy.Operations):
        use_ns = True

        def __init__(self, backing, plan):
            self.backing = os.path.realpath(backing)
            self.plan = plan

        def __call__(self, operation, path, *arguments):
            failure, delay = self.plan.account(operation, path)
            if delay > 0:
                time.sleep(delay / 1000)
            if failure is not None:
                raise fusepy.FuseOSError(failure)
            if not hasattr(self, operation):
                raise fusepy.FuseOSError(errno.ENOSYS)
            return getattr(self, operation)(path, *arguments)

        def real(self, path):
            return self.backing + path

        # Files and directories, as the backing directory has them. Links are read, never followed.
        def getattr(self, path, fi=None):
            info = os.fstat(fi.fh) if fi is not None else os.lstat(self.real(path))
            fields = ("st_mode", "st_ino", "st_nlink", "st_uid", "st_gid", "st_size", "st_blocks", "st_blksize")
            attributes = {name: getattr(info, name) for name in fields}
            attributes.update(st_atime=info.st_atime_ns, st_mtime=info.st_mtime_ns, st_ctime=info.st_ctime_ns)
            return attributes

        def access(self, path, mode):
            if not os.access(self.real(path), mode, follow_symlinks=False):
                raise fusepy.FuseOSError(errno.EACCES)

        def getxattr(self, path, name, position=0):
            # ENOSYS, once, tells the kernel that this file system has no extended attributes at all: otherwise it
            # asks for `security.capability` before every write.
            raise fusepy.FuseOSError(errno.ENOSYS)

        def readlink(self, path):
            return os.readlink(self.real(path))

        def statfs(self, path):
            info = os.statvfs(self.real(path))
            fields = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag",
                      "f_frsize", "f_namemax")
            return {name: getattr(info, name) for name in fields}

        def chmod(self, path, mode):
            os.chmod(self.real(path), mode, follow_symlinks=False)

        def chown(self, path, uid, gid):
            os.chown(self.real(path), uid, gid, follow_symlinks=False)

        def utimens(self, path, times=None):
            os.utime(self.real(path), ns=times, follow_symlinks=False)

        def mkdir(self, path, mode):
            os.mkdir(self.real(path), mode)
            self.plan.made(path)

        def rmdir(self, path):
            os.rmdir(self.real(path))
            self.plan.removed(path)

        def unlink(self, path):
            os.unlink(self.real(path))
            self.plan.removed(path)

        def rename(self, old, new):
            os.rename(self.real(old), self.real(new))
            self.plan.removed(old)
            self.plan.made(new)

        def symlink(self, target, source):
            os.symlink(source, self.real(target))
            self.plan.made(target)

        def link(self, target, source):
            os.link(self.real(source), self.real(target))
            self.plan.made(target)

        def mknod(self, path, mode, device):
            os.mknod(self.real(path), mode, device)

        def truncate(self, path, length, fi=None):
            if fi is not None:
                os.ftruncate(fi.fh, length)
            else:
                os.truncate(self.real(path), length)

        # Open files: the kernel checked the flags and did the lookup; the descriptor is the backing file's. Direct
        # I/O, so that each read or write call is one operation here: through the page cache, the kernel would read
        # ahead, and read again a page whose read failed, so that the failure never reached the caller.
        def open(self, path, fi):
            fi.fh = os.open(self.real(path), fi.flags & ~(os.O_CREAT | os.O_EXCL))
            fi.direct_io = 1
            return 0

        def create(self, path, mode, fi):
            fi.fh = os.open(self.real(path), fi.flags | os.O_CREAT, mode)
            fi.direct_io = 1
            if fi.flags & os.O_EXCL:
                self.plan.made(path)
            return 0

        def read(self, path, size, offset, fi):
            return os.pread(fi.fh, size, offset)

        def write(self, path, data, offset, fi):
            return os.pwrite(fi.fh, data, offset)

        def flush(self, path, fi):
            return 0

        def fsync(self, path, datasync, fi):
            (os.fdatasync if datasync else os.fsync)(fi.fh)

        def release(self, path, fi):
            os.close(fi.fh)

        # Directories: an open directory is a descriptor of the backing directory, so that fsyncdir syncs it.
        def opendir(self, path):
            return os.open(self.real(path), os.O_RDONLY | os.O_DIRECTORY)

        def readdir(self, path, fh):
            return [".", ".."] + os.listdir(self.real(path))

        def fsyncdir(self, path, datasync, fh):
            os.fsync(fh)
            self.plan.synced(path)

        def releasedir(self, path, fh):
            os.close(fh)

    return FaultFS


def serve_control(path, plan, backing):
    """Answers plan and report commands on the Unix socket at `path`, one connection at a time."""
    backing = os.path.realpath(backing)

    def exists(path):
        return os.path.lexists(backing + path)

    if os.path.exists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(4)

    def loop():
        while True:
            connection, _ = server.accept()
            with connection, connection.makefile("rw") as stream:
                for line in stream:
                    try:
                        command = json.loads(line)
                        if command.get("command") == "plan":
                            plan.set(command)
                            answer = {"ok": True}
                        elif command.get("command") == "report":
                            answer = plan.report(command.get("under", "/"), exists)
                        elif command.get("command") == "syncfs":
                            answer = {"errno": syncfs(plan, backing)}
                        else:
                            answer = {"error": 'the command must be "plan", "report" or "syncfs"'}
                    except (ValueError, AttributeError) as error:
                        answer = {"error": str(error)}
                    stream.write(json.dumps(answer) + "\n")
                    stream.flush()

    threading.Thread(target=loop, daemon=True).start()


def syncfs(plan, backing):
    """A process's syncfs of the mount, which FUSE never passes on (see scripts/faultfs-syncfs.c): one flush, which
    can fail; if it does not, the backing file system is synced and every name made on the mount is synced."""
    failure, delay = plan.account("syncfs", "/")
    if delay > 0:
        time.sleep(delay / 1000)
    if failure is not None:
        return failure
    descriptor = os.open(backing, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if ctypes.CDLL(None, use_errno=True).syncfs(descriptor) != 0:
            return ctypes.get_errno()
    finally:
        os.close(descriptor)
    plan.synced_everything()
    return 0


def stop_when_gone(pid):
    """Unmounts (as on SIGTERM) once process `pid` has gone, so that a driver killed outright leaves no mount."""

    def watch():
        while True:
            time.sleep(0.5)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                return

    threading.Thread(target=watch, daemon=True).start()


def control(path, command):
    """Sends one command to a mounted faultfs and returns its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(path)
        with connection.makefile("rw") as stream:
            stream.write(json.dumps(command) + "\n")
            stream.flush()
            answer = json.loads(stream.readline())
    if "error" in answer:
        raise ValueError(f"faultfs: {answer['error']}")
    return answer


def main():
    parser = argparse.ArgumentParser(description="A passthrough FUSE file system that fails and slows on demand.")
    commands = parser.add_subparsers(dest="command", required=True)
    mount = commands.add_parser("mount", help="mount BACKING at MOUNTPOINT, in the foreground")
    mount.add_argument("backing")
    mount.add_argument("mountpoint")
    mount.add_argument("--control", required=True, help="the Unix socket the plan is set through")
    mount.add_argument("--metadata-ms", type=float, default=0.0, help="latency of each metadata operation")
    mount.add_argument("--flush-ms", type=float, default=0.0, help="latency of each fsync")
    mount.add_argument("--while-alive", type=int, metavar="PID", help="unmount once process PID has exited")
    send = commands.add_parser("control", help="send one JSON command to a mounted faultfs")
    send.add_argument("socket")
    send.add_argument("json")
    arguments = parser.parse_args()

    if arguments.command == "control":
        print(json.dumps(control(arguments.socket, json.loads(arguments.json))))
        return
    try:
        import fusepy
    except ImportError:
        sys.exit("faultfs: fusepy is not installed (Debian: apt-get install python3-fusepy fuse3)")
    plan = Plan(arguments.metadata_ms, arguments.flush_ms)
    serve_control(arguments.control, plan, arguments.backing)
    if arguments.while_alive:
        stop_when_gone(arguments.while_alive)
    filesystem = make_filesystem(fusepy)(arguments.backing, plan)
    # hard_remove: an open file that is unlinked or renamed over is removed, not hidden as .fuse_hidden* by an extra
    # rename of libfuse's own, which would be counted. big_writes: one write call is one FUSE write (up to 128 KiB),
    # not one per 4 KiB page. use_ino: inode numbers are the backing files', so identity checks see real ones.
    fusepy.FUSE(filesystem, arguments.mountpoint, foreground=True, nothreads=False, raw_fi=True, hard_remove=True,
                big_writes=True, use_ino=True, fsname="faultfs")


if __name__ == "__main__":
    main()
