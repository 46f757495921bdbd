// CTemporaryFiles: the process-wide list of temporary output files that a fatal signal must not
// leave behind, and the signal handler that deletes them.
//
// Written in C because a signal handler may only call async-signal-safe functions (POSIX.1-2017
// section 2.4.3: unlink, sigaction, raise, ...) and must not allocate, take locks or enter the
// Swift runtime. The list is a fixed array of slots holding copies of the paths as C strings;
// each slot's state is a C11 atomic, so registering from any thread never blocks the handler.
#ifndef ROPESCOPE_CTEMPORARYFILES_H
#define ROPESCOPE_CTEMPORARYFILES_H

/// Number of temporary files that can be registered at once.
#define ROPESCOPE_TEMPORARY_SLOTS 64
/// Longest path (bytes, without the terminating NUL) a slot can hold.
#define ROPESCOPE_TEMPORARY_PATH_BYTES 4095

/// Records `path` (copied) so that a fatal signal (see below) unlinks it. Returns the slot
/// (>= 0) to pass to ropescope_temporary_unregister, or -1 when every slot is taken or the
/// path is longer than ROPESCOPE_TEMPORARY_PATH_BYTES (the file is then not cleaned up).
int ropescope_temporary_register(const char *path);

/// Forgets the path in `slot` (a value returned by ropescope_temporary_register; -1 is ignored).
void ropescope_temporary_unregister(int slot);

/// Number of paths registered now (for tests).
int ropescope_temporary_registered_count(void);

/// Installs the handler for SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGXCPU and SIGXFSZ (the
/// catchable signals that end a process by default and can arrive while an output is written),
/// except for a signal that is ignored
/// (SIG_IGN, e.g. under nohup), which stays ignored. The handler unlinks every registered
/// path, restores the default disposition and re-raises the signal, so the process still dies
/// by that signal (exit status 128 + n in a shell). Idempotent. Returns 0, or -1 when
/// sigaction failed (errno set).
int ropescope_temporary_install_signal_handlers(void);

#endif
