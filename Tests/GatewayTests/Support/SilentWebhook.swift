import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A webhook that never answers: a socket on loopback that listens and never accepts, so that a client's
/// connection is made (by the kernel, from the backlog) and its request is sent, and it waits for an answer that
/// never comes, until its own timeout.
final class SilentWebhook: @unchecked Sendable {
    private let socket: Int32
    let port: Int

    init() throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) }
        }
        guard bound == 0, listen(socket, 1024) == 0 else {
            close(socket)
            throw RawHTTPExchange.Failure(description: "cannot listen on loopback: errno \(errno)")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        self.socket = socket
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    deinit { close(socket) }
}
