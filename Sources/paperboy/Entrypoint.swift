import PaperboyCLI

@main
struct Entrypoint {
    static func main() {
        PaperboyCommand.main()
    }
}
