#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX file operations the store needs, each done the crash-safe way.
///
/// A write is only ever acknowledged after its data and the directory entry pointing at it are on disk:
/// temp file in the same directory → `fsync` → `rename` → `fsync` of the directory. A failed `fsync` is
/// never retried: after EIO the kernel may have dropped the data, so the operation fails.
enum FileSystem {
    /// Reads a whole file, or returns `nil` if it does not exist.
    static func read(_ path: String) throws(StoreError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw failure("open \(path)")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat \(path)") }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 0))
        var filled = 0
        // The size is a hint: read until end of file, growing if the file is longer than it said.
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(4096, filled))) }
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read \(path)")
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether a file or directory exists at `path`.
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Replaces (or creates) the file at `directory/name` with `bytes`, atomically and durably.
    ///
    /// Readers see either the old content or the new, never a mix or an empty file, whenever the process dies.
    /// Temp files start with `.` and end in `.tmp`, so no listing mistakes one for a document.
    static func writeAtomically(_ bytes: [UInt8], directory: String, name: String) throws(StoreError) {
        let target = "\(directory)/\(name)"
        let temporary = "\(directory)/.\(name).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create \(temporary)") }

        do throws(StoreError) {
            try writeAll(bytes, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else { throw failure("fsync \(temporary)") }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        close(descriptor)

        guard rename(temporary, target) == 0 else {
            let error = failure("rename \(temporary) to \(target)")
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    /// Creates `path` and any missing parents, syncing each parent whose entries changed.
    static func makeDirectories(_ path: String) throws(StoreError) {
        if exists(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 {
            if errno == EEXIST { return }  // Another process made it first.
            throw failure("mkdir \(path)")
        }
        try syncDirectory(parent)
    }

    /// Makes a directory's entries (a rename or a new file in it) durable.
    static func syncDirectory(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open directory \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync directory \(path)") }
    }

    /// The names in a directory, or an empty list if it does not exist.
    static func entries(of path: String) throws(StoreError) -> [String] {
        guard let directory = opendir(path) else {
            if errno == ENOENT { return [] }
            throw failure("open directory \(path)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates an empty file if it does not exist, durably: the file and its directory entry are synced.
    ///
    /// With `syncingIfPresent`, the directory is synced even when the file exists, since whoever created it may
    /// not have synced it yet.
    static func createEmptyFile(directory: String, name: String, syncingIfPresent: Bool = false) throws(StoreError) {
        let path = "\(directory)/\(name)"
        if exists(path) {
            if syncingIfPresent { try syncDirectory(directory) }
            return
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create \(path)") }
        close(descriptor)
        try syncDirectory(directory)
    }

    /// Removes a file; a file that is already gone is fine.
    static func remove(_ path: String) {
        unlink(path)
    }

    /// Removes the temp files in `directory` that `writeAtomically` left there more than `seconds` ago.
    ///
    /// A write holds its temp file only between creating and renaming it; one that is much older was left by a
    /// process that died mid-write. Should a write still be holding it, its rename fails and so does the write,
    /// which was never acknowledged.
    /// - Returns: how many were removed.
    static func removeTemporaryFiles(in directory: String, olderThan seconds: Int) throws(StoreError) -> Int {
        let cutoff = time(nil) - seconds
        var removed = 0
        for name in try entries(of: directory) where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            var info = stat()
            let path = "\(directory)/\(name)"
            guard stat(path, &info) == 0, info.st_mtim.tv_sec < cutoff, unlink(path) == 0 else { continue }
            removed += 1
        }
        return removed
    }

    /// The names of the files in a directory, oldest modification first, without temp files.
    static func entriesByAge(of path: String) throws(StoreError) -> [String] {
        var aged: [(name: String, modified: Int)] = []
        for name in try entries(of: path) where !name.hasPrefix(".") {
            var info = stat()
            guard stat("\(path)/\(name)", &info) == 0 else { continue }  // Removed meanwhile.
            aged.append((name, info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec))
        }
        return aged.sorted { $0.modified < $1.modified }.map(\.name)
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(StoreError) {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("write \(path)")
            }
            written += count
        }
    }

    /// A ``StoreError`` for the `errno` of the call that just failed.
    static func failure(_ operation: String) -> StoreError {
        let code = errno
        let isFull = code == ENOSPC || code == EDQUOT
        return StoreError(isFull ? .storageFull : .ioFailure, operation, errno: code)
    }
}
