// OpenBLAS's process-wide state (thread count, kernel choice) is owned by the BLASRuntime target;
// `BLASThreading` moved there. Re-exported so that code importing Spectra (the analyzers, whose
// LAPACK calls run on the same OpenBLAS) keeps one spelling.
@_exported import BLASRuntime
