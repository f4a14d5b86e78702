import NIOCore
import SystemSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Which process is at the other end of a TCP connection on this machine, read from Linux's `/proc`.
///
/// The client's socket is found by its address pair in `/proc/net/tcp` (or `tcp6`, for an IPv6 socket connected to an
/// IPv4-mapped address), which gives its inode; a process holds that socket when one of its `/proc/<pid>/fd` links
/// reads `socket:[<inode>]`. Everything read is small and served from kernel memory, so it is read on the calling
/// thread.
enum LoopbackPeer {
    #if os(Linux)
        /// Whether the socket connected from `client` to this machine's `serverPort` is held by `processID` or by one of
        /// its descendants.
        ///
        /// `false` when the connection cannot be found (it has already closed), or when its holder is any other process,
        /// including one whose `/proc` entries this process may not read (another user's).
        static func isHeld(client: SocketAddress, serverPort: Int, byProcessTreeOf processID: pid_t) -> Bool {
            guard let inode = socketInode(client: client, serverPort: serverPort) else { return false }
            let link = "socket:[\(inode)]"
            if holds(processID, link) { return true }
            return descendants(of: processID).contains { holds($0, link) }
        }

        /// The inode of the socket bound to `client` and connected to `serverPort`, from the connection tables.
        static func socketInode(client: SocketAddress, serverPort: Int) -> String? {
            guard case .v4 = client, let clientPort = client.port, let ip = client.ipAddress else { return nil }
            let octets = ip.split(separator: ".").compactMap { UInt8($0) }
            guard octets.count == 4 else { return nil }
            // `/proc` prints an IPv4 address as the hexadecimal of its 32-bit value in memory order, and a port as the
            // hexadecimal of its number.
            let host = hexadecimal(octets.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }, digits: 8)
            let local = ":" + hexadecimal(UInt32(clientPort), digits: 4)
            let remote = ":" + hexadecimal(UInt32(serverPort), digits: 4)
            for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
                let text = String(decoding: readAll(table) ?? [], as: UTF8.self)
                for line in text.split(separator: "\n").dropFirst() {
                    // sl, local_address, rem_address, st, tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout, inode
                    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                    guard fields.count > 9, fields[1].hasSuffix(local), fields[2].hasSuffix(remote) else { continue }
                    let localHost = fields[1].dropLast(local.count)
                    // IPv4 itself, or IPv4-mapped IPv6 (::ffff:a.b.c.d), whose last 32 bits are the IPv4 address.
                    let matches =
                        localHost.count == 8
                        ? localHost == host
                        : localHost.count == 32 && localHost.hasPrefix("0000000000000000") && localHost.hasSuffix(host)
                    if matches, fields[9] != "0" { return String(fields[9]) }
                }
            }
            return nil
        }

        /// Whether one of `processID`'s descriptors is the socket whose `/proc` link text is `link`.
        private static func holds(_ processID: pid_t, _ link: String) -> Bool {
            let directory = "/proc/\(processID)/fd"
            guard let stream = opendir(directory) else { return false }
            defer { closedir(stream) }
            var target = [CChar](repeating: 0, count: 64)
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name.first?.isNumber == true else { continue }
                let count = readlink("\(directory)/\(name)", &target, target.count - 1)
                guard count > 0 else { continue }
                if String(decoding: target[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) == link {
                    return true
                }
            }
            return false
        }

        /// Every process whose chain of parents leads to `processID`, from each process's `stat`.
        private static func descendants(of processID: pid_t) -> [pid_t] {
            var children: [pid_t: [pid_t]] = [:]
            guard let stream = opendir("/proc") else { return [] }
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard let pid = pid_t(name), let stat = readAll("/proc/\(name)/stat") else { continue }
                // "pid (name) state ppid …": the name may hold spaces and parentheses, so read from the last ')'.
                guard let close = stat.lastIndex(of: UInt8(ascii: ")")) else { continue }
                let rest = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
                guard rest.count > 1, let parent = pid_t(String(decoding: rest[1], as: UTF8.self)) else { continue }
                children[parent, default: []].append(pid)
            }
            closedir(stream)
            var found: [pid_t] = []
            var queue = children[processID] ?? []
            while let next = queue.popLast() {
                found.append(next)
                queue += children[next] ?? []
            }
            return found
        }

        /// A `/proc` file's contents: such files report no size, so they are read until the end.
        private static func readAll(_ path: String) -> [UInt8]? {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = retryingOnInterrupt { read(descriptor, &buffer, buffer.count) }
                guard count > 0 else { return count == 0 ? bytes : nil }
                bytes += buffer[..<count]
            }
        }

        private static func hexadecimal(_ value: UInt32, digits: Int) -> String {
            let text = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
    #else
        /// Elsewhere there is no `/proc` to read the holder of a connection from, so no check is made: every local
        /// client is let in, as before there was one. The README says so.
        static func isHeld(client: SocketAddress, serverPort: Int, byProcessTreeOf processID: pid_t) -> Bool {
            true
        }
    #endif
}
