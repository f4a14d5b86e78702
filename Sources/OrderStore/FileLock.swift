import SystemSupport
import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// Exclusive locks on sidecar files, correct between processes and between threads.
///
/// On Linux these are open file description locks (`F_OFD_SETLKW`): the lock belongs to this open of the file,
/// so closing another descriptor of the same file does not drop it, two threads of one process exclude each
/// other, and the kernel releases it when the process dies. A crash never leaves a lock stale.
///
/// A lock file may be removed, but only by a process that holds its lock (see
/// ``FileOrderStore/forgetIdempotencyRecords(createdBefore:now:)``). Mutual exclusion survives that because every
/// locker, once it has the lock, checks that the path still names the file it locked (`fstat` of its descriptor
/// against `fstatat` of the path) and starts again if not:
/// - A process that opened the file before it was removed gets the lock only after the remover released it, which
///   was after the removal; it then finds the path gone (or naming a newer file), so it never runs its body under
///   the lock of a file no one else can open.
/// - Every process that passes the check holds the lock of the one file the path names at that moment, and that file
///   cannot be removed until it releases the lock; so two bodies never run at once under one path.
enum FileLock {
    /// `F_OFD_SETLK` and `F_OFD_SETLKW` from `<linux/fcntl.h>`; Glibc only exposes them to C code built with
    /// `_GNU_SOURCE`.
    private static let setLock: Int32 = 37
    private static let setLockAndWait: Int32 = 38

    /// Runs `body` while holding the lock on `path`, creating the lock file if it is missing.
    static func withLock<Result>(on path: String, _ body: () throws -> Result) throws -> Result {
        while true {
            let descriptor = try FileSystem.openLockFile(path)
            // Closing the only descriptor of this open file description releases the lock.
            defer { close(descriptor) }

            var request = exclusiveLock
            guard retryingOnInterrupt({ fcntl(descriptor, setLockAndWait, &request) }) == 0 else {
                throw FileSystem.failure("lock \(path)")
            }
            guard try FileSystem.names(path, fileOpenAs: descriptor) else { continue }  // Removed meanwhile.
            return try body()
        }
    }

    /// Runs `body` while holding the lock on `path`, or returns `nil` if the lock stays taken for `milliseconds`.
    ///
    /// OFD locks have no timed wait, so this tries every millisecond until the time is up.
    static func withLock<Result>(
        on path: String, waitingAtMost milliseconds: Int, _ body: () throws -> Result
    ) throws -> Result? {
        let deadline = Timestamp.monotonicNanoseconds() + Int64(milliseconds) * 1_000_000
        while true {
            let descriptor = try FileSystem.openLockFile(path)
            defer { close(descriptor) }

            var request = exclusiveLock
            while fcntl(descriptor, setLock, &request) != 0 {
                guard errno == EAGAIN || errno == EACCES || errno == EINTR else {
                    throw FileSystem.failure("lock \(path)")
                }
                guard Timestamp.monotonicNanoseconds() < deadline else { return nil }
                usleep(1000)
                request = exclusiveLock
            }
            guard try FileSystem.names(path, fileOpenAs: descriptor) else { continue }  // Removed meanwhile.
            return try body()
        }
    }

    private static var exclusiveLock: flock {
        var request = flock()
        request.l_type = Int16(F_WRLCK)
        request.l_whence = Int16(SEEK_SET)
        return request
    }
}
