import CSystemCalls
import SystemSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few POSIX file operations the store needs, each done the crash-safe way and without following symbolic links.
///
/// A write is only ever acknowledged after its data and the directory entry pointing at it are on disk:
/// temp file in the same directory → `fsync` → `rename` → `fsync` of the directory. A failed `fsync` is
/// never retried: after EIO the kernel may have dropped the data, so the operation fails.
///
/// No symbolic link is ever followed. A file's directory is opened with `openat2(RESOLVE_NO_SYMLINKS)`, which refuses
/// a link in any component of its path; where that is not enough (or the kernel lacks it), one component at a time,
/// from `/` (or the working directory for a relative path), each with `openat(O_DIRECTORY | O_NOFOLLOW)` from the one
/// before. The file itself is opened with `O_NOFOLLOW` from its directory's descriptor. So a link planted anywhere
/// under the data directory (in place of a bucket, an index key directory, a lock file or an outbox hint) can never
/// make the store read or create a file elsewhere: it is refused with an error that says so. The data directory's own
/// path is made free of links once, when the store opens (see ``canonicalPath(_:)``), so that a link there is still
/// honoured.
///
/// Only `ENOENT` means absent. Any other failure (`EACCES`, `ENOTDIR`, `EIO`, …) is an error, never a "not found".
enum FileSystem {
    /// Reads a whole file, or returns `nil` if it does not exist.
    static func read(_ path: String) throws(StoreError) -> [UInt8]? {
        guard let descriptor = try openForReading(path) else { return nil }
        defer { close(descriptor) }
        return try readAll(descriptor, path: path)
    }

    /// Whether `path` is a directory itself, not a link to one. Anything that cannot be examined is not.
    static func isDirectory(_ path: String) -> Bool {
        (try? fileType(path)) == S_IFDIR
    }

    /// Whether anything (a file, a directory, a link) is at `path`.
    ///
    /// - Throws: ``StoreError`` when that cannot be known: a permission error, a file in place of a directory of the
    ///   path. Only `ENOENT` means absent.
    static func exists(_ path: String) throws(StoreError) -> Bool {
        try fileType(path) != nil
    }

    /// Replaces (or creates) the file at `directory/name` with `bytes`, atomically and durably.
    ///
    /// Readers see either the old content or the new, never a mix or an empty file, whenever the process dies.
    /// Temp files start with `.` and end in `.tmp`, so no listing mistakes one for a document.
    ///
    /// Without `durable`, neither the file nor the directory is synced: for a bulk write whose caller flushes the whole
    /// file system once at the end (``syncFileSystem(of:)``) and acknowledges nothing before.
    static func writeAtomically(
        _ bytes: [UInt8], directory: String, name: String, durable: Bool = true
    ) throws(StoreError) {
        let parent = try openExistingDirectory(directory)
        defer { close(parent) }
        let temporaryName = ".\(name).\(getpid()).\(UInt32.random(in: .min ... .max)).tmp"
        let temporary = "\(directory)/\(temporaryName)"
        let descriptor = openat(parent, temporaryName, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard descriptor >= 0 else { throw failure("create \(temporary)") }

        do throws(StoreError) {
            try writeAll(bytes, to: descriptor, path: temporary)
            guard !durable || fsync(descriptor) == 0 else { throw failure("fsync \(temporary)") }
        } catch {
            close(descriptor)
            unlinkat(parent, temporaryName, 0)
            throw error
        }
        close(descriptor)

        // `renameat` replaces whatever entry has the name, a link included, and never follows it.
        guard renameat(parent, temporaryName, parent, name) == 0 else {
            let error = failure("rename \(temporary) to \(directory)/\(name)")
            unlinkat(parent, temporaryName, 0)
            throw error
        }
        if durable { try sync(parent, path: directory) }
    }

    /// Flushes everything written to the file system that holds `path` (`syncfs`; `sync` where there is none): one
    /// call for a bulk write, however many files it wrote. Like `fsync`, a failure is never retried.
    static func syncFileSystem(of path: String) throws(StoreError) {
        let descriptor = try openFileSystem(of: path)
        defer { close(descriptor) }
        try syncFileSystem(descriptor, path: path)
    }

    /// Opens the directory `path` for ``syncFileSystem(_:path:)``. Open it before writing what the flush must cover:
    /// `syncfs` reports the write-back errors of its file system only from the moment its descriptor was opened.
    static func openFileSystem(of path: String) throws(StoreError) -> Int32 {
        let directory = try openExistingDirectory(path)
        defer { close(directory) }
        let readable = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard readable >= 0 else { throw failure("open directory \(path)") }
        return readable
    }

    /// Flushes everything written to the file system of the directory open as `descriptor` (`syncfs`).
    static func syncFileSystem(_ descriptor: Int32, path: String) throws(StoreError) {
        #if os(Linux)
            guard linuxSyncfs(descriptor) == 0 else { throw failure("syncfs \(path)") }
        #else
            sync()
        #endif
    }

    /// Creates `path` and any missing parents, syncing each parent whose entries changed.
    static func makeDirectories(_ path: String) throws(StoreError) {
        close(try walk(to: path, creating: true)!)
    }

    /// Makes a directory's entries (a rename or a new file in it) durable.
    static func syncDirectory(_ path: String) throws(StoreError) {
        let directory = try openExistingDirectory(path)
        defer { close(directory) }
        try sync(directory, path: path)
    }

    /// The names in a directory, or an empty list if it does not exist.
    static func entries(of path: String) throws(StoreError) -> [String] {
        guard let directory = try walk(to: path, creating: false) else { return [] }
        defer { close(directory) }
        return try entries(of: directory, path: path)
    }

    /// Creates an empty file if it does not exist, durably: the file and its directory entry are synced.
    ///
    /// With `syncingIfPresent`, the directory is synced even when the file exists, since whoever created it may
    /// not have synced it yet. With `durably` false nothing is synced, for a caller that makes many files in one
    /// directory and then syncs it once (``syncDirectory(_:)``), or whose durability comes another way (a journal).
    /// - Throws: ``StoreError`` if a symbolic link has the name: it is never followed, nor taken for the file.
    /// - Returns: whether the file was created (it did not exist).
    @discardableResult
    static func createEmptyFile(
        directory: String, name: String, syncingIfPresent: Bool = false, durably: Bool = true
    ) throws(StoreError) -> Bool {
        let parent = try openExistingDirectory(directory)
        defer { close(parent) }
        let path = "\(directory)/\(name)"
        let descriptor = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if descriptor >= 0 {
            close(descriptor)
            if durably {
                do throws(StoreError) { try sync(parent, path: directory) } catch {
                    // Removed again, so that a retry creates it anew and syncs it, rather than trusting a name whose
                    // flush failed.
                    unlinkat(parent, name, 0)
                    throw error
                }
            }
            return true
        }
        guard errno == EEXIST else { throw failure("create \(path)") }
        var info = stat()
        guard fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { throw failure("stat \(path)") }
        if info.st_mode & S_IFMT == S_IFLNK { throw symbolicLink(path) }
        if syncingIfPresent { try sync(parent, path: directory) }
        return false
    }

    /// Removes a file (a link itself, never what it points to); a file that is already gone is fine.
    /// - Returns: whether there was one to remove.
    @discardableResult
    static func remove(_ path: String) -> Bool {
        guard let (directory, name) = (try? openParent(of: path)) ?? nil else { return false }
        defer { close(directory) }
        return unlinkat(directory, name, 0) == 0
    }

    /// Removes an empty directory; one that is gone or not empty is left as it is.
    static func removeDirectory(_ path: String) {
        guard let (directory, name) = (try? openParent(of: path)) ?? nil else { return }
        defer { close(directory) }
        unlinkat(directory, name, AT_REMOVEDIR)
    }

    // MARK: - Append-only files

    /// Opens `directory/name` to append to it; `nil` if it does not exist. With `creating`, a missing file is made
    /// first, with its directory, and durably (the file and its directory entry synced), so that what is later
    /// appended and flushed with ``syncData(_:path:)`` is found again after a crash.
    static func openForAppending(directory: String, name: String, creating: Bool) throws(StoreError) -> Int32? {
        let path = "\(directory)/\(name)"
        if let parent = try walk(to: directory, creating: false) {
            defer { close(parent) }
            let descriptor = openat(parent, name, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
            if descriptor >= 0 { return descriptor }
            guard errno == ENOENT else { throw failure("open \(path)") }
        }
        guard creating else { return nil }
        try makeDirectories(directory)
        try createEmptyFile(directory: directory, name: name, syncingIfPresent: true)
        return try openForAppending(directory: directory, name: name, creating: false)
    }

    /// Opens the file at `path` to read it (with ``readAll(_:path:)``); `nil` if it does not exist.
    static func openForReading(_ path: String) throws(StoreError) -> Int32? {
        guard let (directory, name) = try openParent(of: path) else { return nil }
        defer { close(directory) }
        let descriptor = openat(directory, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw failure("open \(path)")
        }
        return descriptor
    }

    /// Appends `bytes` to the file open as `descriptor` (opened by ``openForAppending(directory:name:creating:)``), in
    /// one write. If the file does not end with a newline (a writer died in the middle of its last line), one is
    /// written first, so that the torn line stays alone and is never read as part of these bytes. The caller holds
    /// the file's lock, so no one else appends meanwhile.
    /// - Returns: the file's size after.
    static func append(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(StoreError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat \(path)") }
        var last: UInt8 = UInt8(ascii: "\n")
        if info.st_size > 0 {
            guard pread(descriptor, &last, 1, off_t(info.st_size - 1)) == 1 else { throw failure("read \(path)") }
        }
        let framed = last == UInt8(ascii: "\n") ? bytes : [UInt8(ascii: "\n")] + bytes
        try writeAll(framed, to: descriptor, path: path)
        return Int(info.st_size) + framed.count
    }

    /// Flushes the data of the file open as `descriptor` (`fdatasync`): what was appended is on disk.
    static func syncData(_ descriptor: Int32, path: String) throws(StoreError) {
        guard fdatasync(descriptor) == 0 else { throw failure("fdatasync \(path)") }
    }

    /// The content of the file open as `descriptor`, read from its start to its end. A journal's reader holds the lock
    /// that keeps anyone from appending meanwhile; a document is replaced, never written in place, so it needs none.
    static func readAll(_ descriptor: Int32, path: String) throws(StoreError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: try size(descriptor, path: path))
        var filled = 0
        // The size is a hint: read until end of file, growing if the file is longer than it said.
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(4096, filled))) }
            let count = retryingOnInterrupt {
                bytes.withUnsafeMutableBytes { buffer in
                    pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(filled))
                }
            }
            if count < 0 { throw failure("read \(path)") }
            if count == 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Cuts the file open as `descriptor` to `size` bytes (empties it by default). Not synced: the next flush of the
    /// file carries it.
    static func truncate(_ descriptor: Int32, path: String, to size: Int = 0) throws(StoreError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw failure("truncate \(path)") }
    }

    /// The size in bytes of the file open as `descriptor`.
    static func size(_ descriptor: Int32, path: String) throws(StoreError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("stat \(path)") }
        return Int(info.st_size)
    }

    /// The size in bytes of the file at `path`; 0 if there is none.
    static func size(of path: String) throws(StoreError) -> Int {
        guard let (directory, name) = try openParent(of: path) else { return 0 }
        defer { close(directory) }
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return 0 }
            throw failure("stat \(path)")
        }
        return Int(info.st_size)
    }

    /// Removes the temp files in `directory` that `writeAtomically` left there more than `seconds` ago.
    ///
    /// A write holds its temp file only between creating and renaming it; one that is much older was left by a
    /// process that died mid-write. Should a write still be holding it, its rename fails and so does the write,
    /// which was never acknowledged.
    /// - Returns: how many were removed.
    static func removeTemporaryFiles(in directory: String, olderThan seconds: Int) throws(StoreError) -> Int {
        guard let descriptor = try walk(to: directory, creating: false) else { return 0 }
        defer { close(descriptor) }
        let cutoff = time(nil) - seconds
        var removed = 0
        for name in try entries(of: descriptor, path: directory) where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mtim.tv_sec < cutoff,
                unlinkat(descriptor, name, 0) == 0
            else { continue }
            removed += 1
        }
        return removed
    }

    /// The names of the files in a directory, oldest modification first, without temp files.
    static func entriesByAge(of path: String) throws(StoreError) -> [String] {
        guard let directory = try walk(to: path, creating: false) else { return [] }
        defer { close(directory) }
        var aged: [(name: String, modified: Int)] = []
        for name in try entries(of: directory, path: path) where !name.hasPrefix(".") {
            var info = stat()
            guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }  // Removed meanwhile.
            aged.append((name, info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec))
        }
        return aged.sorted { $0.modified < $1.modified }.map(\.name)
    }

    /// Opens the file at `path` for reading and writing, as a lock file: created if missing when `creating`, else
    /// `nil` if it is missing.
    ///
    /// - Throws: ``StoreError`` if its directory is missing (`ENOENT`) when `creating`, or a symbolic link has its name.
    static func openLockFile(_ path: String, creating: Bool) throws(StoreError) -> Int32? {
        guard let (directory, name) = try openParent(of: path) else {
            if creating { throw failure("open lock \(path)", ENOENT) }
            return nil
        }
        defer { close(directory) }
        let descriptor = openat(directory, name, O_RDWR | (creating ? O_CREAT : 0) | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if descriptor < 0 && errno == ENOENT && !creating { return nil }
        guard descriptor >= 0 else { throw failure("open lock \(path)") }
        return descriptor
    }

    /// Whether `path` still names the file open as `descriptor`: `false` once it was removed or replaced.
    static func names(_ path: String, fileOpenAs descriptor: Int32) throws(StoreError) -> Bool {
        var open = stat()
        guard fstat(descriptor, &open) == 0 else { throw failure("stat \(path)") }
        guard let (directory, name) = try openParent(of: path) else { return false }
        defer { close(directory) }
        var named = stat()
        guard fstatat(directory, name, &named, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return false }
            throw failure("stat \(path)")
        }
        return named.st_dev == open.st_dev && named.st_ino == open.st_ino
    }

    /// `path` with every symbolic link resolved and made absolute, for the data directory itself, which may well be
    /// reached through a link (`/data` → `/mnt/efs/orders`): beneath it none is followed. A part that does not exist
    /// yet is kept as written.
    static func canonicalPath(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        let parent = parentDirectory(of: path)
        guard errno == ENOENT, parent != path, let slash = path.lastIndex(of: "/") else { return path }
        let resolvedParent = canonicalPath(parent)
        return (resolvedParent == "/" ? "" : resolvedParent) + path[slash...]
    }

    static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// A ``StoreError`` for the `errno` of the call that just failed (or `code`), saying so plainly when the cause
    /// was a symbolic link the store refused to follow.
    static func failure(_ operation: String, _ code: Int32 = errno) -> StoreError {
        if code == ELOOP {
            return StoreError(
                .ioFailure, "\(operation): a symbolic link, which the store never follows in its data directory",
                errno: code)
        }
        let isFull = code == ENOSPC || code == EDQUOT
        return StoreError(isFull ? .storageFull : .ioFailure, operation, errno: code)
    }

    // MARK: - Walking paths without following links

    /// `O_PATH` from `<bits/fcntl-linux.h>` (the same on every Linux architecture), which Glibc only exposes to C code
    /// built with `_GNU_SOURCE`: a descriptor that can only be walked from, needing search permission alone.
    #if os(Linux)
        private static let walkFlags: Int32 = 0o10_000_000 | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
    #else
        private static let walkFlags: Int32 = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
    #endif

    /// The directory `path`, opened without following a link in any component; `nil` if a component is missing and
    /// `creating` is false. With `creating`, missing directories are made, and each parent synced.
    private static func walk(to path: String, creating: Bool) throws(StoreError) -> Int32? {
        // One `openat2` that refuses a link in any component does the walk in one system call instead of two per
        // component (eight walks made a create 70 system calls). The walk below is still taken for what it alone
        // does: making missing directories, saying which component was a link or failed, and kernels without it.
        if !path.isEmpty {
            let directory = c_system_calls_open_without_links(AT_FDCWD, path, walkFlags)
            if directory >= 0 { return directory }
            if errno == ENOENT && !creating { return nil }
        }
        var current = open(path.hasPrefix("/") ? "/" : ".", walkFlags)
        guard current >= 0 else { throw failure("open directory \(path)") }
        var walked = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            walked += "/\(component)"
            var next = openat(current, component, walkFlags)
            if next < 0 && errno == ENOENT && creating {
                if mkdirat(current, component, 0o755) == 0 {
                    do throws(StoreError) { try sync(current, path: parentDirectory(of: walked)) } catch {
                        // Removed again, so that a retry makes it anew and syncs it, rather than trusting a name
                        // whose flush failed.
                        unlinkat(current, component, AT_REMOVEDIR)
                        close(current)
                        throw error
                    }
                } else if errno != EEXIST {  // Another process may have made it first.
                    let error = failure("mkdir \(walked)")
                    close(current)
                    throw error
                }
                next = openat(current, component, walkFlags)
            }
            if next < 0 {
                let code = errno
                defer { close(current) }
                if code == ENOENT { return nil }
                throw code == ENOTDIR && isLink(component, in: current)
                    ? symbolicLink(walked) : failure("open directory \(walked)", code)
            }
            close(current)
            current = next
        }
        return current
    }

    /// The directory that holds `path`'s last component, and that component; `nil` if the directory is missing.
    private static func openParent(of path: String) throws(StoreError) -> (directory: Int32, name: String)? {
        guard let slash = path.lastIndex(of: "/") else {
            return try walk(to: ".", creating: false).map { ($0, path) }
        }
        let parent = slash == path.startIndex ? "/" : String(path[..<slash])
        return try walk(to: parent, creating: false).map { ($0, String(path[path.index(after: slash)...])) }
    }

    /// A directory that must exist, such as the one a write goes to (its caller made it).
    private static func openExistingDirectory(_ path: String) throws(StoreError) -> Int32 {
        guard let directory = try walk(to: path, creating: false) else {
            throw failure("open directory \(path)", ENOENT)
        }
        return directory
    }

    /// The type (`S_IFREG`, `S_IFDIR`, `S_IFLNK`, …) of what is at `path`, itself, or `nil` if nothing is.
    private static func fileType(_ path: String) throws(StoreError) -> mode_t? {
        guard let (directory, name) = try openParent(of: path) else { return nil }
        defer { close(directory) }
        var info = stat()
        guard fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw failure("stat \(path)")
        }
        return info.st_mode & S_IFMT
    }

    private static func isLink(_ name: String, in directory: Int32) -> Bool {
        var info = stat()
        return fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }

    private static func symbolicLink(_ path: String) -> StoreError {
        failure("open \(path)", ELOOP)
    }

    /// `fsync` of a directory walked to; a walking descriptor cannot be synced, so the directory is opened for it.
    private static func sync(_ directory: Int32, path: String) throws(StoreError) {
        let readable = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard readable >= 0 else { throw failure("open directory \(path)") }
        defer { close(readable) }
        guard fsync(readable) == 0 else { throw failure("fsync directory \(path)") }
    }

    /// The names in the directory open as `directory` (which stays open), without `.` and `..`.
    private static func entries(of directory: Int32, path: String) throws(StoreError) -> [String] {
        let readable = openat(directory, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard readable >= 0, let stream = fdopendir(readable) else {
            let error = failure("open directory \(path)")
            if readable >= 0 { close(readable) }
            throw error
        }
        defer { closedir(stream) }  // Closes `readable` too.
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(StoreError) {
        guard SystemSupport.writeAll(bytes, to: descriptor) else { throw failure("write \(path)") }
    }
}

#if os(Linux)
    /// `syncfs(2)`, which Glibc only declares to C code built with `_GNU_SOURCE`.
    @_silgen_name("syncfs")
    private func linuxSyncfs(_ descriptor: Int32) -> Int32
#endif
