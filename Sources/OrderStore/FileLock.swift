import SystemSupport
import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// Exclusive locks, correct between processes and between threads: a byte of a shared lock file, or a whole file.
///
/// On Linux these are open file description locks (`F_OFD_SETLKW`): the lock belongs to this open of the file,
/// so closing another descriptor of the same file does not drop it, two threads of one process exclude each
/// other, and the kernel releases it when the process dies. A crash never leaves a lock stale. They are byte-range
/// locks, which NFS (Amazon EFS) keeps on the server like any `fcntl` lock.
///
/// A ``Slot`` is one byte of a lock file that is never removed: many orders share a file, each locking its own byte,
/// so an order costs no file of its own. Amazon EFS allows 512 locks per file, held or waited for: spread over 256
/// files, that is far more than the concurrency of any deployment.
///
/// A lock file locked by path may be removed, but only by a process that holds its lock (the lock files of earlier
/// releases, see ``FileOrderStore``). Mutual exclusion survives that because every locker, once it has the lock,
/// checks that the path still names the file it locked (`fstat` of its descriptor against `fstatat` of the path) and
/// starts again if not:
/// - A process that opened the file before it was removed gets the lock only after the remover released it, which
///   was after the removal; it then finds the path gone (or naming a newer file), so it never runs its body under
///   the lock of a file no one else can open.
/// - Every process that passes the check holds the lock of the one file the path names at that moment, and that file
///   cannot be removed until it releases the lock; so two bodies never run at once under one path.
enum FileLock {
    /// One byte of a lock file: the lock of one order, delivery or idempotency key among those that share the file.
    /// Two keys whose bytes coincide only wait for each other; they never deadlock, since no caller holds two slots
    /// of one family at once.
    struct Slot: Equatable {
        /// The lock file; it is created, with its directory, on first use.
        var path: String
        /// The byte locked.
        var offset: Int64
    }

    /// `F_OFD_SETLK` and `F_OFD_SETLKW` from `<linux/fcntl.h>`; Glibc only exposes them to C code built with
    /// `_GNU_SOURCE`.
    private static let setLock: Int32 = 37
    private static let setLockAndWait: Int32 = 38

    /// Runs `body` while holding `slot`, waiting as long as it takes.
    static func withLock<Result>(on slot: Slot, _ body: () throws -> Result) throws -> Result {
        try withLock(on: slot, deadline: nil, body)!
    }

    /// Runs `body` while holding `slot`, or returns `nil` if it stays taken for `milliseconds`.
    static func withLock<Result>(
        on slot: Slot, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result? {
        try withLock(on: slot, deadline: deadline(after: milliseconds), body)
    }

    /// Runs `body` while holding `slot` until `deadline` (forever when `nil`); `nil` if the deadline passed first.
    static func withLock<Result>(on slot: Slot, deadline: Int64?, _ body: () throws -> Result) throws -> Result? {
        let descriptor = try openSlotFile(slot.path)
        defer { close(descriptor) }  // Closing the only descriptor of this open file description releases the lock.
        guard try acquire(descriptor, offset: slot.offset, length: 1, path: slot.path, deadline: deadline) else {
            return nil
        }
        return try body()
    }

    /// Runs `body` while holding the lock on the whole file at `path`, waiting as long as it takes; the file is
    /// created if it is missing.
    static func withLock<Result>(on path: String, _ body: () throws -> Result) throws -> Result {
        try withLock(on: path, creating: true, deadline: nil, body)!
    }

    /// Runs `body` while holding the lock on the whole file at `path`, or returns `nil` if the lock stays taken for
    /// `milliseconds`; the file is created if it is missing.
    static func withLock<Result>(
        on path: String, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result? {
        try withLock(on: path, creating: true, deadline: deadline(after: milliseconds), body)
    }

    /// Runs `body` while holding the lock on the whole file at `path` until `deadline` (forever when `nil`), or
    /// returns `nil` if the deadline passed first. Without `creating`, a missing file is no lock to take: `body`
    /// runs at once. With `removing`, the file is removed after `body`, while its lock is still held.
    static func withLock<Result>(
        on path: String, creating: Bool, removing: Bool = false, deadline: Int64?, _ body: () throws -> Result
    ) throws -> Result? {
        while true {
            guard let descriptor = try FileSystem.openLockFile(path, creating: creating) else { return try body() }
            defer { close(descriptor) }
            guard try acquire(descriptor, offset: 0, length: 0, path: path, deadline: deadline) else { return nil }
            guard try FileSystem.names(path, fileOpenAs: descriptor) else { continue }  // Removed meanwhile.
            defer { if removing { FileSystem.remove(path) } }
            return try body()
        }
    }

    /// Opens a slot's lock file, making it and its directory on the first lock of a data directory (or of one whose
    /// `locks/` was removed). Its contents never matter, so neither is synced but the directory, once.
    private static func openSlotFile(_ path: String) throws -> Int32 {
        if let descriptor = (try? FileSystem.openLockFile(path, creating: true)) ?? nil { return descriptor }
        // Missing, or failing for another reason that the second attempt reports.
        try FileSystem.makeDirectories(FileSystem.parentDirectory(of: path))
        guard let descriptor = try FileSystem.openLockFile(path, creating: true) else {
            throw FileSystem.failure("open lock \(path)", ENOENT)
        }
        return descriptor
    }

    /// Runs `body` while holding the lock on byte `offset` of the file open as `descriptor`, a file that is never
    /// replaced (a journal): the write lock, or with `shared` the read lock, which many holders share and which
    /// excludes the write lock.
    static func withLock<Result>(
        onOpenFile descriptor: Int32, path: String, offset: Int64 = 0, shared: Bool = false,
        _ body: () throws -> Result
    ) throws -> Result {
        _ = try acquire(descriptor, offset: offset, length: 1, path: path, deadline: nil, shared: shared)
        defer {
            var request = flock()
            request.l_type = Int16(F_UNLCK)
            request.l_whence = Int16(SEEK_SET)
            request.l_start = off_t(offset)
            request.l_len = 1
            _ = fcntl(descriptor, setLock, &request)
        }
        return try body()
    }

    /// The monotonic time `milliseconds` from now, as the deadline of a timed lock.
    static func deadline(after milliseconds: Int) -> Int64 {
        Timestamp.monotonicNanoseconds() + Int64(milliseconds) * 1_000_000
    }

    /// Takes the write lock (the read lock when `shared`) on `length` bytes (0: to the end of any file) at `offset`; `false` if `deadline` passed.
    /// OFD locks have no timed wait, so a deadline is kept by trying every millisecond until it is up.
    private static func acquire(
        _ descriptor: Int32, offset: Int64, length: Int64, path: String, deadline: Int64?, shared: Bool = false
    ) throws(StoreError) -> Bool {
        var request = flock()
        request.l_type = Int16(shared ? F_RDLCK : F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        request.l_start = off_t(offset)
        request.l_len = off_t(length)
        guard let deadline else {
            guard retryingOnInterrupt({ fcntl(descriptor, setLockAndWait, &request) }) == 0 else {
                throw FileSystem.failure("lock \(path)")
            }
            return true
        }
        while fcntl(descriptor, setLock, &request) != 0 {
            guard errno == EAGAIN || errno == EACCES || errno == EINTR else {
                throw FileSystem.failure("lock \(path)")
            }
            guard Timestamp.monotonicNanoseconds() < deadline else { return false }
            usleep(1000)
        }
        return true
    }
}
