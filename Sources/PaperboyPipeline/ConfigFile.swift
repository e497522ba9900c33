import Foundation
import PaperboyCore

/// Reading the config file from disk (the CLI at start, the daemon at start and on SIGHUP).
public enum ConfigFile {
    /// Reads and validates `path`; the error says what is wrong and how to fix it.
    public static func load(_ path: String) throws -> PaperboyConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            let reason = exists ? "cannot be read (check its permissions and that it is UTF-8)" : "does not exist"
            throw ConfigError(file: path, key: "", message:
                "the config file \(reason); pass --config PATH or set PAPERBOY_CONFIG; deploy/paperboy.yaml is an example")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try PaperboyConfig.parse(text, file: path, baseDirectory: directory.isEmpty ? "." : directory)
    }
}
