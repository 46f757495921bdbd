/// Placeholder: the Tokenizers target is being written.
enum TokenizersPlaceholder {}
