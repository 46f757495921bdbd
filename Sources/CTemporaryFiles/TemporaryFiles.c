#include "CTemporaryFiles.h"

#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

enum { slotFree = 0, slotWriting = 1, slotReady = 2 };

static _Atomic int slotState[ROPESCOPE_TEMPORARY_SLOTS];
static char slotPath[ROPESCOPE_TEMPORARY_SLOTS][ROPESCOPE_TEMPORARY_PATH_BYTES + 1];
static atomic_flag installed = ATOMIC_FLAG_INIT;

int ropescope_temporary_register(const char *path) {
    size_t length = strlen(path);
    if (length == 0 || length > ROPESCOPE_TEMPORARY_PATH_BYTES) return -1;
    for (int slot = 0; slot < ROPESCOPE_TEMPORARY_SLOTS; slot++) {
        int expected = slotFree;
        if (atomic_compare_exchange_strong(&slotState[slot], &expected, slotWriting)) {
            memcpy(slotPath[slot], path, length + 1);
            atomic_store_explicit(&slotState[slot], slotReady, memory_order_release);
            return slot;
        }
    }
    return -1;
}

void ropescope_temporary_unregister(int slot) {
    if (slot < 0 || slot >= ROPESCOPE_TEMPORARY_SLOTS) return;
    atomic_store_explicit(&slotState[slot], slotFree, memory_order_release);
}

int ropescope_temporary_registered_count(void) {
    int count = 0;
    for (int slot = 0; slot < ROPESCOPE_TEMPORARY_SLOTS; slot++) {
        if (atomic_load_explicit(&slotState[slot], memory_order_acquire) == slotReady) count++;
    }
    return count;
}

/// Async-signal-safe: atomic loads, unlink(2), sigaction(2) and raise(3) only.
static void removeTemporariesAndDie(int signal) {
    for (int slot = 0; slot < ROPESCOPE_TEMPORARY_SLOTS; slot++) {
        if (atomic_load_explicit(&slotState[slot], memory_order_acquire) == slotReady) {
            (void)unlink(slotPath[slot]);
        }
    }
    struct sigaction fallback;
    memset(&fallback, 0, sizeof fallback);
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    (void)sigaction(signal, &fallback, NULL);
    // SA_NODEFER below: the signal is not blocked inside this handler, so this kills us now.
    (void)raise(signal);
}

int ropescope_temporary_install_signal_handlers(void) {
    if (atomic_flag_test_and_set(&installed)) return 0;
    // Every signal whose default action ends the process and that can arrive while an output
    // is written: interrupts, hang-up, a closed pipe, CPU and file-size limits.
    const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGXCPU, SIGXFSZ};
    for (size_t index = 0; index < sizeof signals / sizeof signals[0]; index++) {
        struct sigaction current;
        if (sigaction(signals[index], NULL, &current) != 0) return -1;
        if (current.sa_handler == SIG_IGN) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = removeTemporariesAndDie;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_NODEFER | SA_RESETHAND;
        if (sigaction(signals[index], &action, NULL) != 0) return -1;
    }
    return 0;
}
