/// Placeholder: the TensorArchive target is being written.
enum TensorArchivePlaceholder {}
