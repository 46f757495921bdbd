import ArgumentParser

struct ConditioningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conditioning", abstract: "(being written)")
    func run() throws { throw ValidationError("'conditioning' is not available yet") }
}
