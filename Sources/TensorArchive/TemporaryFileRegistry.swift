import CTemporaryFiles

/// The process-wide owner of signal handling for temporary output files.
///
/// Every `AtomicTarget` registers its hidden temporary file here while it exists; the handler
/// installed by `installSignalHandlers()` (once, from the CLI's start-up) unlinks every registered
/// file on SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGXCPU or SIGXFSZ and then re-raises the
/// signal with its default disposition, so the process still dies by that signal. The handler is
/// C (`CTemporaryFiles`): it uses only async-signal-safe calls on a fixed array of pre-copied C
/// strings.
///
/// SIGKILL cannot be caught: its leftovers carry the writer's pid in their name
/// (`.<name>.tmp-<pid>-<hex>`) and the next writer to the same target deletes those whose process
/// is gone (`AtomicTarget.removeStaleTemporaries`).
public enum TemporaryFileRegistry {
    /// Installs the handler for those signals (idempotent; an ignored signal stays ignored).
    /// Returns false when `sigaction` failed; temporary files are then only removed on errors.
    @discardableResult
    public static func installSignalHandlers() -> Bool {
        ropescope_temporary_install_signal_handlers() == 0
    }

    /// Number of temporary files registered now.
    public static var registeredCount: Int { Int(ropescope_temporary_registered_count()) }

    /// Registers `path` for deletion on a fatal signal; returns the slot for `unregister`, or nil
    /// when the registry is full or the path too long (the file then survives a signal).
    static func register(_ path: String) -> Int32? {
        let slot = ropescope_temporary_register(path)
        return slot >= 0 ? slot : nil
    }

    /// Forgets a registration (nil is ignored).
    static func unregister(_ slot: Int32?) {
        guard let slot else { return }
        ropescope_temporary_unregister(slot)
    }
}
