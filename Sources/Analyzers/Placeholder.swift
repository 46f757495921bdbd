/// Placeholder: the Analyzers target is being written.
enum AnalyzersPlaceholder {}
