#if os(Linux)
    import CSystemCalls
    import Foundation
    import Glibc
    import Testing

    /// The one system call the store opens its directories with: it must refuse a link wherever the component-by-
    /// component walk refuses one, and fail as the walk expects, or every store path would take the slower walk.
    @Suite("Opening a path without following links")
    struct OpenWithoutLinksTests {
        let root: String
        static let flags = Int32(0o10_000_000) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC  // O_PATH, as the store's

        init() throws {
            root = try TemporaryDirectory.make()
            try FileManager.default.createDirectory(atPath: "\(root)/a/b", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(root)/link", withDestinationPath: "\(root)/a")
            try FileManager.default.createSymbolicLink(atPath: "\(root)/a/last", withDestinationPath: "\(root)/a/b")
        }

        /// The error number opening `path` fails with, or 0 when it opens.
        func failure(_ path: String) -> Int32 {
            let descriptor = c_system_calls_open_without_links(AT_FDCWD, path, Self.flags)
            guard descriptor >= 0 else { return errno }
            close(descriptor)
            return 0
        }

        @Test("a path of directories opens as the directory itself")
        func directory() throws {
            let descriptor = c_system_calls_open_without_links(AT_FDCWD, "\(root)/a/b", Self.flags)
            try #require(descriptor >= 0)
            defer { close(descriptor) }
            var opened = stat()
            var expected = stat()
            #expect(fstat(descriptor, &opened) == 0 && stat("\(root)/a/b", &expected) == 0)
            #expect(opened.st_ino == expected.st_ino && opened.st_dev == expected.st_dev)
        }

        // Either way the store goes on to the component walk, which names the link in its error.
        @Test("a link in the middle of the path is refused with ELOOP; one at its end is not a directory, ENOTDIR")
        func links() {
            #expect(failure("\(root)/link/b") == ELOOP)
            #expect(failure("\(root)/a/last") == ENOTDIR)
        }

        @Test("a missing component is ENOENT, a file in place of a directory ENOTDIR")
        func missing() {
            #expect(failure("\(root)/a/missing/b") == ENOENT)
            #expect(FileManager.default.createFile(atPath: "\(root)/a/file", contents: Data()))
            #expect(failure("\(root)/a/file/b") == ENOTDIR)
        }
    }
#endif
