import FoundationEssentials
import OrderDomain
public import Timestamps

/// Idempotency records: `<root>/idempotency/<hh>/<digest>.json`, where `hh` is the digest's first two hex digits,
/// each written like an order document (temp file, `fsync`, rename, directory `fsync`) under the key's lock: a byte of
/// `<root>/locks/idempotency-<hh>` (see ``FileLock/Slot``), so a key costs no lock file of its own. Earlier releases
/// locked `<digest>.lock` beside the record: while one is there it is locked too, and removed under both locks.
extension FileOrderStore: IdempotencyRecordStore {
    var idempotencyRoot: String { "\(root)/idempotency" }

    /// Holds the key's lock, so it also excludes writers in other processes; a changed record is written atomically
    /// and durably, a removed one is unlinked and its directory synced. A record left as it is (a replay, a key in
    /// use) has its directory synced before `change`'s answer stands: the attempt that wrote it may have failed to.
    public func updateIdempotencyRecord<Result>(
        _ key: IdempotencyKeyDigest, _ change: (inout IdempotencyRecord?) throws -> Result
    ) throws -> Result {
        try updateIdempotencyRecord(key, syncingUnchanged: true, change)
    }

    private func updateIdempotencyRecord<Result>(
        _ key: IdempotencyKeyDigest, syncingUnchanged: Bool, _ change: (inout IdempotencyRecord?) throws -> Result
    ) throws -> Result {
        let directory = "\(idempotencyRoot)/\(key.hex.prefix(2))"
        try FileSystem.makeDirectories(directory)
        let slot = FileLock.Slot(
            path: "\(root)/locks/idempotency-\(key.hex.prefix(2))",
            offset: Int64(key.hex.dropFirst(2).prefix(6), radix: 16) ?? 0)
        return try FileLock.withLock(on: slot) {
            try withLegacyLock(at: "\(directory)/\(key.hex).lock", deadline: nil) {
                try updateRecord(key, in: directory, syncingUnchanged: syncingUnchanged, change)
            }!
        }
    }

    /// Reads, changes and writes back the record of `key` in `directory`; the caller holds the key's lock.
    private func updateRecord<Result>(
        _ key: IdempotencyKeyDigest, in directory: String, syncingUnchanged: Bool,
        _ change: (inout IdempotencyRecord?) throws -> Result
    ) throws -> Result {
        let path = "\(directory)/\(key.hex).json"
        let original = try readIdempotencyRecord(at: path)
        var record = original
        let result = try change(&record)
        if record != original {
            if let record {
                try FileSystem.writeAtomically(Self.encode(record), directory: directory, name: "\(key.hex).json")
            } else {
                FileSystem.remove(path)
                try FileSystem.syncDirectory(directory)
            }
        } else if original != nil, syncingUnchanged {
            try FileSystem.syncDirectory(directory)
        }
        return result
    }

    /// Checks each record again under its lock before removing it, and removes the lock files earlier releases left.
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
            // Every key with a record or a lock file: an expired record goes, and a lock file of an earlier release
            // with or without one, under its lock (see updateIdempotencyRecord).
            for key in keys {
                // Unchanged records are not synced: nothing is answered from them.
                removed += try updateIdempotencyRecord(key, syncingUnchanged: false) { record in
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
