import Foundation

/// A data directory as found on disk, read without the service: every document parsed, every temp file named.
struct DataDirectoryAudit {
    /// Order documents (`orders/<hh>/<id>.json`) by id, as JSON.
    private(set) var documents: [String: [String: Any]] = [:]
    /// JSON files (documents, idempotency records, dead letters) that are not whole JSON objects.
    private(set) var unreadable: [String] = []
    /// Temp files that writers which died left behind (`.<name>.<pid>.<random>.tmp`): never documents.
    private(set) var temporaryFiles: [String] = []
    /// Files in `orders/` that are neither a document, a lock nor a temp file.
    private(set) var unexpectedOrderFiles: [String] = []
    private(set) var idempotencyRecords = 0

    init(root: URL) throws {
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        while let file = files?.nextObject() as? URL {
            guard try file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            let relative = String(file.path.dropFirst(root.path.count + 1))
            let name = file.lastPathComponent
            if name.hasPrefix(".") && name.hasSuffix(".tmp") {
                temporaryFiles.append(relative)
                continue
            }
            if relative.hasPrefix("orders/") && !(name.hasSuffix(".json") || name.hasSuffix(".lock")) {
                unexpectedOrderFiles.append(relative)
            }
            guard name.hasSuffix(".json") else { continue }  // Locks, index entries and outbox hints are empty.
            guard let json = (try? JSONSerialization.jsonObject(with: Data(contentsOf: file))) as? [String: Any] else {
                unreadable.append(relative)
                continue
            }
            if relative.hasPrefix("orders/") {
                let isDocument =
                    json["schema_version"] is Int && json["order"] is [String: Any] && json["events"] is [Any]
                if isDocument { documents[String(name.dropLast(5))] = json } else { unreadable.append(relative) }
            } else if relative.hasPrefix("idempotency/") {
                idempotencyRecords += 1
            }
        }
    }

    /// The stored order of a document.
    func order(_ id: String) -> [String: Any] {
        documents[id]?["order"] as? [String: Any] ?? [:]
    }
}
