import CCurl

/// Sends HTTP requests with libcurl, one at a time, reusing connections between requests.
///
/// libcurl is opened the first time a client is made in a process (about 5 ms), never before, so processes that
/// send nothing never pay for it. Redirects are not followed. HTTPS uses the system's CA store.
public final class CurlHTTPClient {
    private let handle: UnsafeMutableRawPointer

    /// Opens libcurl (once per process) and prepares a connection handle.
    ///
    /// - Throws: ``HTTPTransportError`` `library_unavailable` when libcurl cannot be loaded.
    public init() throws(HTTPTransportError) {
        let library = try Library.shared.get()
        guard let handle = library.functions.easy_init() else {
            throw HTTPTransportError(code: "init_failed", message: "curl_easy_init failed")
        }
        self.handle = handle
    }

    deinit {
        Library.functions.easy_cleanup(handle)
    }

    /// Sends `request` and waits for the whole reply, or for as much of its body as the request keeps.
    public func send(_ request: HTTPRequest) -> Result<HTTPReply, HTTPTransportError> {
        let curl = Library.functions
        var functions = curl
        curl.easy_reset(handle)

        var headerList: UnsafeMutablePointer<curl_slist>?
        // An empty `Expect:` stops libcurl from waiting for `100 Continue` before sending a body.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl.slist_append(headerList, line)
        }
        defer { curl.slist_free_all(headerList) }

        let collector = ReplyCollector(bodyLimit: request.replyBodyLimit)
        let context = Unmanaged.passUnretained(collector).toOpaque()
        // libcurl reads a POST body from standard input when the body pointer is NULL, so an empty body still
        // gets a (one-byte, unused) buffer; the size sent is the request's.
        var body = request.body.isEmpty ? [0] : request.body

        let code: CURLcode = body.withUnsafeMutableBytes { bodyBytes in
            _ = ccurl_setopt_string(&functions, handle, CURLOPT_URL, request.url)
            _ = ccurl_setopt_string(&functions, handle, CURLOPT_CUSTOMREQUEST, request.method)
            _ = ccurl_setopt_long(&functions, handle, CURLOPT_NOSIGNAL, 1)
            _ = ccurl_setopt_long(&functions, handle, CURLOPT_FOLLOWLOCATION, 0)
            _ = ccurl_setopt_string(&functions, handle, CURLOPT_PROTOCOLS_STR, "http,https")
            _ = ccurl_setopt_slist(&functions, handle, CURLOPT_HTTPHEADER, headerList)
            if request.method == "GET" {
                _ = ccurl_setopt_long(&functions, handle, CURLOPT_HTTPGET, 1)
            } else {
                _ = ccurl_setopt_long(&functions, handle, CURLOPT_POSTFIELDSIZE, request.body.count)
                _ = ccurl_setopt_pointer(&functions, handle, CURLOPT_POSTFIELDS, bodyBytes.baseAddress)
            }
            if let timeout = request.timeoutMilliseconds {
                _ = ccurl_setopt_long(&functions, handle, CURLOPT_TIMEOUT_MS, max(1, timeout))
            }
            _ = ccurl_setopt_callback(&functions, handle, CURLOPT_WRITEFUNCTION, ReplyCollector.collectBody)
            _ = ccurl_setopt_pointer(&functions, handle, CURLOPT_WRITEDATA, context)
            _ = ccurl_setopt_callback(&functions, handle, CURLOPT_HEADERFUNCTION, ReplyCollector.collectHeader)
            _ = ccurl_setopt_pointer(&functions, handle, CURLOPT_HEADERDATA, context)
            return curl.easy_perform(handle)
        }

        // The write callback stops the transfer once the body passes its limit: the reply is what came until then.
        let stoppedAtLimit = code == CURLE_WRITE_ERROR && collector.bodyTruncated
        guard code == CURLE_OK || stoppedAtLimit else {
            return .failure(
                HTTPTransportError(
                    code: Self.name(of: code),
                    message: curl.easy_strerror(code).map { String(cString: $0) } ?? "error \(code.rawValue)"))
        }
        var status = 0
        _ = ccurl_getinfo_long(&functions, handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(
            HTTPReply(
                status: status, headers: collector.headers, body: collector.body, bodyTruncated: collector.bodyTruncated
            ))
    }

    /// A short stable name for the failures worth telling apart; libcurl's number for the rest.
    private static func name(of code: CURLcode) -> String {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: "timeout"
        case CURLE_COULDNT_CONNECT: "connection_refused"
        case CURLE_COULDNT_RESOLVE_HOST: "unknown_host"
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION: "tls_failure"
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: "invalid_url"
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR: "connection_lost"
        default: "curl_error_\(code.rawValue)"
        }
    }
}

/// Gathers a reply's body, up to a limit, and its headers from libcurl's callbacks.
private final class ReplyCollector {
    let bodyLimit: Int?
    var body: [UInt8] = []
    var bodyTruncated = false
    var headers: [String: String] = [:]

    init(bodyLimit: Int?) {
        self.bodyLimit = bodyLimit
    }

    static let collectBody: ccurl_data_callback = { data, size, count, context in
        let collector = Unmanaged<ReplyCollector>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard let data else { return length }
        let chunk = UnsafeRawBufferPointer(start: data, count: length)
        guard let limit = collector.bodyLimit, collector.body.count + length > limit else {
            collector.body.append(contentsOf: chunk)
            return length
        }
        collector.body.append(contentsOf: chunk.prefix(limit - collector.body.count))
        collector.bodyTruncated = true
        // Taking less than was given makes libcurl stop the transfer (CURLE_WRITE_ERROR) and close the connection.
        return 0
    }

    static let collectHeader: ccurl_data_callback = { data, size, count, context in
        let collector = Unmanaged<ReplyCollector>.fromOpaque(context!).takeUnretainedValue()
        let length = size * count
        guard let data else { return length }
        // Parsed as bytes: the runtime loop reads headers on every invocation, and `Character` work on each line
        // cost more than the rest of the exchange.
        let line = UnsafeRawBufferPointer(start: data, count: length)
        if line.starts(with: "HTTP/".utf8) {
            collector.headers = [:]  // A new response (after 100 Continue): keep only the final one's headers.
        } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            collector.headers[name] = String(decoding: line[(colon + 1)...].trimmingWhitespace(), as: UTF8.self)
        }
        return length
    }
}

/// libcurl, opened and initialised once per process.
///
/// `@unchecked Sendable`: the function table is written once, in `init`, and only read afterwards.
private final class Library: @unchecked Sendable {
    static let shared = Library()

    let functions: ccurl_functions
    private let failure: HTTPTransportError?

    /// The table of a library that is known to be loaded (a client exists).
    static var functions: ccurl_functions { shared.functions }

    private init() {
        var functions = ccurl_functions()
        if let error = ccurl_load(&functions) {
            self.functions = functions
            failure = HTTPTransportError(
                code: "library_unavailable", message: "cannot load libcurl: \(String(cString: error))")
        } else if functions.global_init(Int(CURL_GLOBAL_DEFAULT)) != CURLE_OK {
            self.functions = functions
            failure = HTTPTransportError(code: "library_unavailable", message: "curl_global_init failed")
        } else {
            self.functions = functions
            failure = nil
        }
    }

    func get() throws(HTTPTransportError) -> Library {
        if let failure { throw failure }
        return self
    }
}

extension Slice<UnsafeRawBufferPointer> {
    /// Without the spaces, tabs and line ends around a header value.
    fileprivate func trimmingWhitespace() -> Slice<UnsafeRawBufferPointer> {
        let isWhitespace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        let start = firstIndex(where: { !isWhitespace($0) }) ?? endIndex
        let end = lastIndex(where: { !isWhitespace($0) }).map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
