import ArgumentParser

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sweep", abstract: "(being written)")
    func run() throws { throw ValidationError("'sweep' is not available yet") }
}
