/// Placeholder: the Inference target is being written.
enum InferencePlaceholder {}
