import PaperboyCLI

@main
struct Entrypoint {
    static func main() async {
        await PaperboyCommand.main()
    }
}
