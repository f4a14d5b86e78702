import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A small tmpfs mounted for one test, so that a data directory can run out of space for real.
///
/// Mounting needs root (`CAP_SYS_ADMIN`); ``mount(options:)`` says why when it cannot.
struct TmpfsMount {
    /// Mounting is not permitted here, and why.
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    let path: URL

    /// Mounts a tmpfs with `options` (`size=1m`, `nr_inodes=200`) on a new temporary directory.
    static func mount(options: String) throws -> TmpfsMount {
        let path = try Paths.temporaryDirectory()
        guard Glibc.mount("tmpfs", path.path, "tmpfs", 0, options) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: path)
            throw Unavailable(description: "cannot mount a tmpfs (\(options)) on \(path.path): \(reason)")
        }
        return TmpfsMount(path: path)
    }

    func unmount() {
        umount2(path.path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(at: path)
    }

    /// Bytes still free for files.
    var freeBytes: Int { statistics.map { Int($0.f_bavail) * Int($0.f_frsize) } ?? 0 }
    /// Files and directories that can still be made.
    var freeInodes: Int { statistics.map { Int($0.f_favail) } ?? 0 }

    private var statistics: statvfs? {
        var result = statvfs()
        return statvfs(path.path, &result) == 0 ? result : nil
    }
}
