/// Placeholder: the Spectra target is being written.
enum SpectraPlaceholder {}
