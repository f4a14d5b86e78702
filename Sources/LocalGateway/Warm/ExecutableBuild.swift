#if canImport(Glibc)
    import Glibc
    // In a release build of the gateway on Linux, the compiler finds `stat` and its fields through Foundation's
    // CoreFoundation, and MemberImportVisibility then wants that module imported here.
    import CoreFoundation
#elseif canImport(Darwin)
    import Darwin
#endif

/// One build of a function's executable as the file system shows it: a new build is another file put in its place
/// (another inode) or the same file rewritten (another modification time or size).
///
/// Read with one `stat`, about a microsecond, so a warm pool can look before every invocation.
struct ExecutableBuild: Sendable, Equatable, CustomStringConvertible {
    var device: UInt64
    var inode: UInt64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int
    var size: Int64

    /// The build at `path` now, or `nil` when there is no file there (a build in the middle of replacing it).
    static func current(at path: String) -> ExecutableBuild? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let modified = info.st_mtimespec
        #else
            let modified = info.st_mtim
        #endif
        return ExecutableBuild(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), modifiedSeconds: Int(modified.tv_sec),
            modifiedNanoseconds: Int(modified.tv_nsec), size: Int64(info.st_size))
    }

    /// `inode 1234, 56789 bytes`, for log lines.
    var description: String { "inode \(inode), \(size) bytes" }
}
