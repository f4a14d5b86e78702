import FoundationEssentials
import SystemSupport
public import Timestamps

#if canImport(Glibc)
    import Glibc
#endif

/// Whether the webhook has lately run out of time, as every process of the service sees it: one small file,
/// `<data directory>/webhook-health.json`, shared by all of them (on EFS, by every Lambda instance).
///
/// Why it exists: a function answers its client first and delivers its event after, but the process (a Lambda
/// instance, a warm worker) stays busy, and billed, until that delivery ends. A webhook that never answers would
/// make every change cost a whole `ORDER_WEBHOOK_TIMEOUT_MS` of that, and under load keep every instance busy. So an
/// attempt that times out marks the webhook unhealthy for ``quietMilliseconds``; while it is marked, the deliveries
/// right after a response are not attempted and their events stay pending for `dispatch-events`, which keeps trying
/// on its schedule, in order per order: nothing is lost or reordered, only delayed. When the mark runs out, one
/// process, and one only, gets to try again (a probe); the others keep skipping until it is done. Any attempt that
/// ends within its time, whatever its status, clears the mark: only time is what this protects.
///
/// The file is a hint, never the truth: missing, empty or unreadable, it means healthy, and the worst a lost or
/// stale one costs is one more attempt or a delay until `dispatch-events`. Changes are made under `flock`, so two
/// processes cannot both take the probe.
public struct WebhookHealth: Sendable {
    /// How long a timed-out webhook is left alone by the deliveries after a response: 30 s, half the
    /// `dispatch-events` schedule, so a webhook back up is used again well before the next dispatch run.
    public static let quietMilliseconds: Int64 = 30_000

    /// The file's path.
    public let path: String

    /// The health of the webhook of the data directory `directory`. Touches nothing until used.
    public init(directory: String) {
        path = "\(directory)/webhook-health.json"
    }

    /// What the file holds while the webhook is marked.
    struct Mark: Codable, Equatable {
        /// Until when deliveries after a response are not attempted.
        var unhealthyUntil: Timestamp
        /// What the attempt that set the mark got, for whoever reads the file.
        var lastError: String
        /// The host it was sent to: a mark left by another URL is recognised by it, and ignored.
        var urlHost: String

        enum CodingKeys: String, CodingKey {
            case unhealthyUntil = "unhealthy_until"
            case lastError = "last_error"
            case urlHost = "url_host"
        }
    }

    /// Whether a delivery right after a response may be attempted now.
    public enum Verdict: Sendable, Equatable {
        /// Go ahead: the webhook is not marked, or this process takes the probe.
        case attempt
        /// Leave the event to `dispatch-events`: the webhook timed out lately.
        case skip(until: Timestamp, lastError: String)
    }

    /// Decides whether a delivery right after a response goes ahead. When the mark has run out, this call takes the
    /// probe: the mark is moved on by `probeMilliseconds` (the attempt's time limit and a margin) so that the others
    /// keep skipping while it runs, and the probe's outcome, through ``record(timedOut:error:urlHost:now:)``,
    /// either clears the mark or sets it again.
    ///
    /// Costs one failed `open` while the webhook has never been marked; one `open` and `flock` otherwise.
    public func verdict(urlHost: String, probeMilliseconds: Int64, now: Timestamp) -> Verdict {
        guard let file = MarkFile(path: path, create: false) else { return .attempt }
        defer { file.close() }
        guard let mark = file.read(), mark.urlHost == urlHost else { return .attempt }
        // A mark further ahead than any this code sets comes from a clock that has moved back: it is not trusted.
        let longest = now.adding(milliseconds: Self.quietMilliseconds + probeMilliseconds)
        if mark.unhealthyUntil > now && mark.unhealthyUntil <= longest {
            return .skip(until: mark.unhealthyUntil, lastError: mark.lastError)
        }
        var probing = mark
        probing.unhealthyUntil = now.adding(milliseconds: probeMilliseconds)
        file.write(probing)
        return .attempt
    }

    /// Records the outcome of an attempt: one that ran out of time marks the webhook for ``quietMilliseconds``;
    /// any other clears the mark. Failures to write the file are ignored: it is a hint.
    public func record(timedOut: Bool, error: String, urlHost: String, now: Timestamp) {
        guard let file = MarkFile(path: path, create: timedOut) else { return }
        defer { file.close() }
        if timedOut {
            file.write(
                Mark(
                    unhealthyUntil: now.adding(milliseconds: Self.quietMilliseconds), lastError: error, urlHost: urlHost
                ))
        } else if file.read() != nil {
            file.write(nil)
        }
    }
}

/// The mark file, open and locked (`flock`, exclusive) for as long as this value is used.
private struct MarkFile {
    let descriptor: Int32

    /// Opens and locks the file; `nil` when it does not exist (and `create` is false) or cannot be opened.
    init?(path: String, create: Bool) {
        // Never through a symbolic link: the data directory is shared, and the file must not land outside it.
        let flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { return nil }
        guard retryingOnInterrupt({ flock(descriptor, LOCK_EX) }) == 0 else {
            Glibc.close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    /// The mark, or `nil` for an empty or unreadable file.
    func read() -> WebhookHealth.Mark? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        var offset: off_t = 0
        while bytes.count < 64 * 1024 {
            let count = retryingOnInterrupt {
                buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            }
            guard count > 0 else { break }
            bytes += buffer[..<count]
            offset += off_t(count)
        }
        guard !bytes.isEmpty else { return nil }
        return try? JSONDecoder().decode(WebhookHealth.Mark.self, from: Data(bytes))
    }

    /// Replaces the contents with `mark`, or empties the file for `nil`.
    func write(_ mark: WebhookHealth.Mark?) {
        let bytes = mark.flatMap { try? JSONEncoder().encode($0) }.map { Array($0) + [UInt8(ascii: "\n")] } ?? []
        guard ftruncate(descriptor, 0) == 0 else { return }
        var written = 0
        while written < bytes.count {
            let count = retryingOnInterrupt {
                bytes.withUnsafeBytes {
                    pwrite(descriptor, $0.baseAddress! + written, $0.count - written, off_t(written))
                }
            }
            guard count > 0 else { return }
            written += count
        }
    }

    func close() {
        // Closing the descriptor releases the lock.
        Glibc.close(descriptor)
    }
}
