/// Placeholder until the report lands.
enum ReportPlaceholder {}
