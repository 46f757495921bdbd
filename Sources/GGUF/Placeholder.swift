/// Placeholder: the GGUF target is being written.
enum GGUFPlaceholder {}
