import ArgumentParser

struct SpectrumCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spectrum", abstract: "(being written)")
    func run() throws { throw ValidationError("'spectrum' is not available yet") }
}
