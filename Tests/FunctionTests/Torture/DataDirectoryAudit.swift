import Foundation

/// A data directory as found on disk, read without the service: every document parsed, every temp file named.
struct DataDirectoryAudit {
    /// Order documents by id, as JSON: each order's newest record in its journal (`journal/wal-<n>`, a line
    /// `d <id> <version> <json>\t<crc>`), or its file (`orders/<hh>/<id>.json`) if it holds a greater version or the
    /// journal holds none, as the store reads them.
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
        try readJournals(in: root)
    }

    /// Lays the journals' document records over the files' documents.
    private mutating func readJournals(in root: URL) throws {
        let directory = root.appendingPathComponent("journal")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var journaled: [String: (version: Int, json: [String: Any])] = [:]
        for name in names where name.hasPrefix("wal-") {
            let bytes = try Data(contentsOf: directory.appendingPathComponent(name))
            // Whole lines only: a torn last one is skipped.
            for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).dropLast(
                bytes.last == UInt8(ascii: "\n") ? 0 : 1)
            {
                let text = String(decoding: line, as: UTF8.self)
                guard text.hasPrefix("d "), let tab = text.lastIndex(of: "\t") else { continue }
                let fields = text[..<tab].split(separator: " ", maxSplits: 3)
                guard fields.count == 4, let version = Int(fields[2]) else { continue }
                // A record torn by a killed writer (and ended by the next append's newline) does not parse: the store's
                // checksum skips it too.
                guard let json = (try? JSONSerialization.jsonObject(with: Data(fields[3].utf8))) as? [String: Any]
                else {
                    continue
                }
                journaled[String(fields[1])] = (version, json)
            }
        }
        for (id, record) in journaled {
            let fileVersion = (documents[id]?["order"] as? [String: Any])?["version"] as? Int
            if fileVersion.map({ $0 <= record.version }) ?? true { documents[id] = record.json }
        }
    }

    /// The stored order of a document.
    func order(_ id: String) -> [String: Any] {
        documents[id]?["order"] as? [String: Any] ?? [:]
    }
}
