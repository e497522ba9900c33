import Foundation

/// Files the CLI writes that hold subscribers' addresses (`subscriber
/// export --output`, `send-digest --dry-run --out`): readable by the owner
/// and the group only (0640), written atomically (a temporary file in the
/// same folder, then a rename), so a reader never sees half a file and
/// nobody else on the machine reads the list. A file that exists already
/// keeps its mode.
enum PrivateFile {
    static let mode: mode_t = 0o640

    static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        var existing = stat()
        let exists = stat(path, &existing) == 0
        let mode = exists ? existing.st_mode & 0o7777 : Self.mode
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw PrivateFileError(path: path, errno: errno) }
        // A new file gets 0640 less the umask; an existing one keeps its mode exactly.
        if exists { fchmod(descriptor, mode) }
        let data = Array(bytes)
        var written = 0
        while written < data.count {
            let count = data[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let failure = PrivateFileError(path: path, errno: errno)
                close(descriptor)
                unlink(temporary)
                throw failure
            }
            written += count
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0, rename(temporary, path) == 0 else {
            let failure = PrivateFileError(path: path, errno: errno)
            unlink(temporary)
            throw failure
        }
    }
}

/// A file could not be written; says which and why.
struct PrivateFileError: Error, CustomStringConvertible {
    var path: String
    var errno: Int32
    var description: String { "cannot write \(path): \(String(cString: strerror(errno)))" }
}
