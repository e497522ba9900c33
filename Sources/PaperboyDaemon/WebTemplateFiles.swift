import Foundation
import PaperboyCore

/// Reads the reader's pages' templates: the built-in ones, with any file
/// present in the `web/` subfolder of config `templates: DIR` instead (the
/// same names as `Templates/web/`).
enum WebTemplateFiles {
    static func load(directory: String?) throws -> WebTemplates {
        guard let directory else { return .defaults }
        var sources: [String: String] = [:]
        var origins: [String: String] = [:]
        for name in WebTemplates.fileNames {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw DaemonSetupError(message: "\(path): cannot read it as UTF-8 text; fix it or remove it to use the built-in page template")
            }
            sources[name] = text
            origins[name] = path
        }
        if sources.isEmpty { return .defaults }
        do {
            return try WebTemplates(sources: sources, origins: origins)
        } catch {
            throw DaemonSetupError(message: error.description)
        }
    }
}
