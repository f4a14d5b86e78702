import Foundation

/// The bytes of a file named on the command line, or of standard input for `-`. A pipe or a process substitution
/// (`<(…)`, `/dev/fd/N`) is read to its end like a file.
func readInputFile(_ path: String) throws -> [UInt8] {
    let handle = try path == "-" ? FileHandle.standardInput : FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    return Array(try handle.readToEnd() ?? Data())
}
