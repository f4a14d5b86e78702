import FoundationEssentials
import OrderDomain
public import Timestamps

/// Idempotency records: `<root>/idempotency/<hh>/<digest>.json`, where `hh` is the digest's first two hex digits,
/// each written like an order document (temp file, `fsync`, rename, directory `fsync`) under an OFD lock on
/// `<digest>.lock`.
extension FileOrderStore: IdempotencyRecordStore {
    var idempotencyRoot: String { "\(root)/idempotency" }

    /// Holds `<digest>.lock` beside the record, so it also excludes writers in other processes; a changed record
    /// is written atomically and durably, a removed one is unlinked and its directory synced.
    public func updateIdempotencyRecord<Result>(
        _ key: IdempotencyKeyDigest, _ change: (inout IdempotencyRecord?) throws -> Result
    ) throws -> Result {
        let directory = "\(idempotencyRoot)/\(key.hex.prefix(2))"
        try FileSystem.makeDirectories(directory)
        let lockPath = "\(directory)/\(key.hex).lock"
        return try FileLock.withLock(on: lockPath) {
            let path = "\(directory)/\(key.hex).json"
            let original = try readIdempotencyRecord(at: path)
            var record = original
            let result = try change(&record)
            if record != original {
                if let record {
                    try FileSystem.writeAtomically(
                        Self.encode(record), directory: directory, name: "\(key.hex).json")
                } else {
                    FileSystem.remove(path)
                    try FileSystem.syncDirectory(directory)
                }
            }
            if record == nil {
                // A key without a record needs no lock file: removed while the lock is held, which FileLock's
                // check after locking makes safe for anyone waiting on it or about to open it. Not synced: a lock
                // file that comes back after a crash is an empty file, removed again by the next sweep.
                FileSystem.remove(lockPath)
            }
            return result
        }
    }

    /// Checks each record again under its lock before removing it; lock files stay.
    public func forgetIdempotencyRecords(createdBefore cutoff: Timestamp, now: Timestamp) throws -> Int {
        var removed = 0
        for bucket in try FileSystem.entries(of: idempotencyRoot) where !bucket.hasPrefix(".") {
            let directory = "\(idempotencyRoot)/\(bucket)"
            guard FileSystem.isDirectory(directory) else { continue }
            let names = try FileSystem.entries(of: directory)
            var keys = Set<IdempotencyKeyDigest>()
            for name in names where !name.hasPrefix(".") && (name.hasSuffix(".json") || name.hasSuffix(".lock")) {
                if let key = IdempotencyKeyDigest(hex: String(name.dropLast(5))) { keys.insert(key) }
            }
            // Every key with a record or a lock file: an expired record goes, and with it (or without one, as
            // earlier versions of the service left them) its lock file, under its lock (see updateIdempotencyRecord).
            for key in keys {
                removed += try updateIdempotencyRecord(key) { record in
                    guard let current = record, current.isForgettable(createdBefore: cutoff, now: now) else { return 0 }
                    record = nil
                    return 1
                }
            }
        }
        return removed
    }

    private func readIdempotencyRecord(at path: String) throws -> IdempotencyRecord? {
        guard let bytes = try FileSystem.read(path) else { return nil }
        do {
            return try JSONDecoder().decode(IdempotencyRecord.self, from: Data(bytes))
        } catch {
            throw StoreError(.corruptDocument, "read \(path): \(error)")
        }
    }
}

extension IdempotencyRecord {
    /// Whether the record is older than `cutoff` and no request can still be using it.
    public func isForgettable(createdBefore cutoff: Timestamp, now: Timestamp) -> Bool {
        guard createdAt < cutoff else { return false }
        if state == .inProgress, let lease = leaseExpiresAt, now < lease { return false }
        return true
    }
}
