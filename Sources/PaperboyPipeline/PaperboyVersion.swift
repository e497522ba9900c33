/// The version reported in `--version` and the User-Agent.
public enum PaperboyVersion {
    public static let current = "0.1.0"
}
